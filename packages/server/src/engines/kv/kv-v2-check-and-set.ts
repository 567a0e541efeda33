import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import { coerceValue } from '../../logical/coerce-fields.js';
import type { KeyMetadata } from './key-metadata.js';
import type { KvV2Config } from './kv-v2-store.js';

/**
 * Vault's check-and-set rule for data writes and patches: when `options.cas` is given it must
 * equal the current version (0 = the key must not exist yet); when it is absent and the mount
 * or the key requires it, the write is refused. Both failures are 400s.
 */
export function checkAndSet(
  options: Readonly<Record<string, unknown>> | undefined,
  config: KvV2Config,
  meta: KeyMetadata,
): void {
  if (options !== undefined && Object.hasOwn(options, 'cas')) {
    const raw = options['cas'];
    let cas: number;
    try {
      cas = raw === null ? 0 : (coerceValue('int', raw) as number);
    } catch {
      throw new CofferError(ErrorCode.BadRequest, 'error parsing check-and-set parameter');
    }
    if (cas !== meta.currentVersion) {
      throw new CofferError(
        ErrorCode.CasMismatch,
        'check-and-set parameter did not match the current version',
      );
    }
    return;
  }
  if (config.casRequired || meta.casRequired) {
    throw new CofferError(ErrorCode.BadRequest, 'check-and-set parameter required for this call');
  }
}
