import { InmemBackend, PrefixedView, type StorageView } from '@coffer/barrier';

/** A fresh in-memory StorageView (the barrier's inmem backend behind a root view). */
export function memoryStorage(): StorageView {
  return new PrefixedView(new InmemBackend(), '');
}
