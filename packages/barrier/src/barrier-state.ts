import type { SealConfig } from './seal-config.js';

/** The barrier's lifecycle, as observed from outside. Changed only by Barrier's transitions. */
export type BarrierState =
  | { readonly kind: 'uninitialized' }
  | {
      readonly kind: 'sealed';
      readonly config: SealConfig;
      readonly progress: number;
      readonly nonce: string;
    }
  | { readonly kind: 'unsealed'; readonly config: SealConfig };

/** The fields of Vault's `sys/seal-status` that the barrier knows about. */
export interface SealStatus {
  /** Seal type, e.g. 'shamir'. */
  readonly type: string;
  readonly initialized: boolean;
  readonly sealed: boolean;
  /** Threshold (0 when uninitialized). */
  readonly t: number;
  /** Total shares (0 when uninitialized). */
  readonly n: number;
  /** Shares accepted in the current unseal attempt (0 unless sealed). */
  readonly progress: number;
  /** The current unseal attempt's nonce ('' unless sealed). */
  readonly nonce: string;
}
