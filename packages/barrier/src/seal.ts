import type { SealConfig } from './seal-config.js';

/**
 * A seal protects the unseal key: it splits the key into shares at init and recombines them
 * at unseal. `ShamirSeal` is the first implementation.
 *
 * Room to grow: auto-unseal seals (transit, cloud KMS) will be a second member of a union
 * discriminated by `unsealMethod` ('auto'), wrapping the unseal key with an external key and
 * handing out recovery shares instead; rekey will call `split` with a new config on a new key.
 */
export interface Seal {
  /** How operators unseal: by submitting `secretThreshold` shares. */
  readonly unsealMethod: 'shares';
  /** The `type` recorded in `core/seal-config` and reported by seal-status, e.g. 'shamir'. */
  readonly type: string;
  /** Throws INVALID_SEAL_CONFIG unless this seal can produce `config`. */
  validateConfig(config: SealConfig): void;
  /** Splits `unsealKey` into `config.secretShares` shares, any `config.secretThreshold` of which recombine. */
  split(unsealKey: Uint8Array, config: SealConfig): Promise<Uint8Array[]>;
  /**
   * Recombines shares into a candidate unseal key. Wrong shares may silently yield wrong bytes;
   * the barrier detects that through the AEAD tag on `core/root-key`.
   */
  combine(shares: readonly Uint8Array[]): Promise<Uint8Array>;
  /** Whether `share` has the shape this seal produces for `config` and a key of `keyBytes`. */
  isWellFormedShare(share: Uint8Array, config: SealConfig, keyBytes: number): boolean;
}
