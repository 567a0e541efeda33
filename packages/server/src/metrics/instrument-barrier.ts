import type { BarrierOperation, Metrics } from './metrics.js';

/** The barrier's logical storage methods (what `Barrier` and its prefixed views call). */
export interface InstrumentableStorage {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

/**
 * Times every barrier operation by wrapping the instance's own methods: views created by
 * `barrier.view()` call back into the instance, so engine, token and mount-table storage are all
 * measured at the one boundary. Failed operations are timed too. Cost: two hrtime reads.
 */
export function instrumentBarrier(barrier: InstrumentableStorage, metrics: Metrics): void {
  const timed =
    <A extends unknown[], R>(op: BarrierOperation, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const start = process.hrtime.bigint();
      try {
        return await fn(...args);
      } finally {
        metrics.observeBarrier(op, Number(process.hrtime.bigint() - start) / 1e9);
      }
    };
  barrier.get = timed('get', barrier.get.bind(barrier));
  barrier.put = timed('put', barrier.put.bind(barrier));
  barrier.delete = timed('delete', barrier.delete.bind(barrier));
  barrier.list = timed('list', barrier.list.bind(barrier));
}
