import { BarrierError } from './barrier-error.js';

/**
 * How the unseal key is split. Stored in plaintext at `core/seal-config` as
 * `{"type":"shamir","secret_shares":5,"secret_threshold":3}`; its presence means "initialized".
 */
export interface SealConfig {
  /** The seal type, e.g. 'shamir'. */
  readonly type: string;
  /** Number of unseal shares handed out (Vault's `secret_shares`, `n`). */
  readonly secretShares: number;
  /** Shares needed to unseal (Vault's `secret_threshold`, `t`). */
  readonly secretThreshold: number;
}

/**
 * Vault's rules (vault/seal_config.go `Validate`): 1 ≤ threshold ≤ shares ≤ 255, and a
 * threshold of 1 only with a single share. Throws INVALID_SEAL_CONFIG with Vault's wording.
 */
export function validateSealConfig(config: SealConfig): void {
  const { secretShares: n, secretThreshold: t } = config;
  const fail = (why: string): never => {
    throw new BarrierError('INVALID_SEAL_CONFIG', `invalid seal configuration: ${why}`);
  };
  if (typeof config.type !== 'string' || config.type === '') fail('type must be a non-empty string');
  if (!Number.isInteger(n) || !Number.isInteger(t)) fail('shares and threshold must be integers');
  if (n < 1) fail('shares must be at least one');
  if (t < 1) fail('threshold must be at least one');
  if (n > 1 && t === 1) fail('threshold must be greater than one for multiple shares');
  if (n > 255) fail('shares must be less than 256');
  if (t > 255) fail('threshold must be less than 256');
  if (t > n) fail('threshold cannot be larger than shares');
}

/** The stored JSON form (snake_case, as Vault's `core/seal-config`). */
export function encodeSealConfig(config: SealConfig): Uint8Array {
  validateSealConfig(config);
  return new TextEncoder().encode(
    JSON.stringify({
      type: config.type,
      secret_shares: config.secretShares,
      secret_threshold: config.secretThreshold,
    }),
  );
}

/** Parses and validates `core/seal-config`; anything else is INVALID_SEAL_CONFIG. */
export function decodeSealConfig(bytes: Uint8Array): SealConfig {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BarrierError('INVALID_SEAL_CONFIG', 'stored seal configuration is not valid JSON');
  }
  if (typeof json !== 'object' || json === null) {
    throw new BarrierError('INVALID_SEAL_CONFIG', 'stored seal configuration is not an object');
  }
  const { type, secret_shares: n, secret_threshold: t } = json as Record<string, unknown>;
  if (typeof type !== 'string' || typeof n !== 'number' || typeof t !== 'number') {
    throw new BarrierError(
      'INVALID_SEAL_CONFIG',
      'stored seal configuration lacks type, secret_shares or secret_threshold',
    );
  }
  const config: SealConfig = Object.freeze({ type, secretShares: n, secretThreshold: t });
  validateSealConfig(config);
  return config;
}
