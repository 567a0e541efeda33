import type { CoreRuntime } from './core-runtime.js';

/**
 * The core's lifecycle. Changed only inside `Core`'s serial transition queue, each transition
 * publishing its result with a single assignment at its end.
 */
export type CoreState =
  | { readonly kind: 'uninitialized' }
  | { readonly kind: 'sealed' }
  | { readonly kind: 'unsealed'; readonly runtime: CoreRuntime };
