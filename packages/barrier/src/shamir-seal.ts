import { combine as shamirCombine, split as shamirSplit } from 'shamir-secret-sharing';
import { BarrierError } from './barrier-error.js';
import type { Seal } from './seal.js';
import { validateSealConfig, type SealConfig } from './seal-config.js';

/**
 * Shamir's secret sharing over GF(2^8), byte-compatible with Vault's `shamir` package: each
 * share is the key's length plus one byte, the last byte being the share's x-coordinate
 * (1..255). With a single share (1-of-1) the share is the unseal key itself, as in Vault.
 */
export class ShamirSeal implements Seal {
  readonly unsealMethod = 'shares' as const;
  readonly type = 'shamir';

  validateConfig(config: SealConfig): void {
    validateSealConfig(config);
    if (config.type !== this.type) {
      throw new BarrierError(
        'INVALID_SEAL_CONFIG',
        `invalid seal configuration: seal type is '${this.type}'`,
      );
    }
  }

  async split(unsealKey: Uint8Array, config: SealConfig): Promise<Uint8Array[]> {
    this.validateConfig(config);
    if (config.secretShares === 1) return [Uint8Array.from(unsealKey)];
    // The library checks `constructor === Uint8Array`: a Buffer is refused, so copy.
    return shamirSplit(Uint8Array.from(unsealKey), config.secretShares, config.secretThreshold);
  }

  async combine(shares: readonly Uint8Array[]): Promise<Uint8Array> {
    if (shares.length === 1) return Uint8Array.from(shares[0] as Uint8Array);
    try {
      return await shamirCombine(shares.map((s) => Uint8Array.from(s)));
    } catch {
      // Duplicate x-coordinates (e.g. shares from two different inits), mismatched lengths.
      throw new BarrierError('INVALID_UNSEAL_KEY', 'unseal shares could not be combined');
    }
  }

  isWellFormedShare(share: Uint8Array, config: SealConfig, keyBytes: number): boolean {
    if (config.secretShares === 1) return share.byteLength === keyBytes;
    return share.byteLength === keyBytes + 1 && share[keyBytes] !== 0;
  }
}
