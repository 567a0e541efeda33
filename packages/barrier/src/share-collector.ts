import { randomUUID, timingSafeEqual } from 'node:crypto';
import { AEAD_KEY_BYTES } from './aead.js';
import { BarrierError } from './barrier-error.js';
import type { Seal } from './seal.js';
import type { SealConfig } from './seal-config.js';
import { ShamirSeal } from './shamir-seal.js';

/**
 * Collects unseal shares against a seal configuration without a barrier to open: a node joining
 * a raft cluster is unsealed with the cluster's shares before it holds any of the cluster's data,
 * so the combined key can only be checked by the caller (against the join challenge's AEAD tag).
 *
 * Same rules as `Barrier.unseal`: a malformed share is refused without touching progress, a share
 * already submitted is ignored, and at the threshold the shares are combined and the attempt is
 * reset (progress 0, new nonce). Not reentrant: callers serialise `submit`.
 */
export class ShareCollector {
  readonly config: SealConfig;
  readonly #seal: Seal;
  #shares: Uint8Array[] = [];
  #nonce = randomUUID();

  constructor(config: SealConfig, seal: Seal = new ShamirSeal()) {
    seal.validateConfig(config);
    this.config = config;
    this.#seal = seal;
  }

  get progress(): number {
    return this.#shares.length;
  }

  get nonce(): string {
    return this.#nonce;
  }

  /**
   * Adds one share. Returns the combined candidate unseal key at the threshold (the caller owns
   * it and wipes it), undefined before. Throws INVALID_UNSEAL_KEY for a malformed share or shares
   * that do not combine.
   */
  async submit(share: Uint8Array): Promise<Uint8Array | undefined> {
    if (!this.#seal.isWellFormedShare(share, this.config, AEAD_KEY_BYTES)) {
      throw new BarrierError('INVALID_UNSEAL_KEY', 'unseal key has the wrong length');
    }
    if (this.#shares.some((s) => s.byteLength === share.byteLength && timingSafeEqual(s, share)))
      return undefined;
    this.#shares.push(Uint8Array.from(share));
    if (this.#shares.length < this.config.secretThreshold) return undefined;
    const shares = this.#shares;
    this.#shares = [];
    this.#nonce = randomUUID();
    try {
      return await this.#seal.combine(shares);
    } finally {
      for (const s of shares) s.fill(0);
    }
  }

  /** Abandons the attempt: progress 0, new nonce. */
  reset(): void {
    for (const s of this.#shares) s.fill(0);
    this.#shares = [];
    this.#nonce = randomUUID();
  }
}
