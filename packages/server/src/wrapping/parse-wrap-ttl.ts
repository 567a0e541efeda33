import { parseDuration } from '../config/parse-duration.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

export const WRAP_TTL_HEADER = 'x-vault-wrap-ttl';
export const WRAP_FORMAT_HEADER = 'x-vault-wrap-format';

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value[0];
}

/**
 * The response-wrapping TTL a request asks for (`X-Vault-Wrap-TTL`, Vault's `requestWrapInfo`):
 * whole seconds from an integer (`300`) or a duration string (`5m`, `1h30m`, `2d`); undefined
 * when the header is absent or empty. Negative or unparseable values are a 400, and so is
 * `X-Vault-Wrap-Format: jwt` (JWT wrapping tokens are not supported by this server).
 */
export function parseWrapTtl(headers: Headers): number | undefined {
  const raw = first(headers[WRAP_TTL_HEADER])?.trim();
  if (raw === undefined || raw === '') return undefined;
  let seconds: number;
  try {
    seconds = parseDuration(raw, { allowNegative: true });
  } catch (err) {
    if (err instanceof CofferError) throw new CofferError(ErrorCode.BadRequest, err.message);
    throw err;
  }
  if (seconds < 0) throw new CofferError(ErrorCode.BadRequest, 'requested wrap ttl cannot be negative');
  if (first(headers[WRAP_FORMAT_HEADER])?.trim().toLowerCase() === 'jwt') {
    throw new CofferError(
      ErrorCode.BadRequest,
      'JWT response wrapping (X-Vault-Wrap-Format: jwt) is not supported',
    );
  }
  return seconds;
}
