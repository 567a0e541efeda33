import type { CoreRuntime } from './core-runtime.js';

/**
 * The core's lifecycle. Changed only inside `Core`'s serial transition queue, each transition
 * publishing its result with a single assignment at its end.
 */
export type CoreState =
  | { readonly kind: 'uninitialized' }
  | { readonly kind: 'sealed' }
  /** HA only: the barrier is unsealed but another node is active; no runtime, no caches. */
  | { readonly kind: 'standby' }
  /** Unsealed and active (the only node serving requests in an HA cluster). */
  | { readonly kind: 'unsealed'; readonly runtime: CoreRuntime };
