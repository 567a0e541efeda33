/**
 * W4 counter workload: CAS increments of a few KV v2 keys. A step reads the counter (value +
 * version) and, usually, writes value + 1 with `cas=version`. The stored value is
 * `<count>|<canary>`, unique per write, so the same history is checked twice: as a register
 * (WGL: read / cas with `expected` = the value read) and, through `counterView`, as a counter
 * (final within [acknowledged, acknowledged + indeterminate]). A CAS mismatch is a 400: `fail`.
 */
import { countOf } from '../checker/counter-view.js';
import type { HistoryRecorder } from '../checker/index.js';
import { KeySlots } from './key-slots.js';
import type { NodeClient } from './node-client.js';
import { recordedRequest } from './recorded-request.js';
import { finalRegisterReads, readRegister } from './register-workload.js';
import type { ClientContext, FinalReadStats, StepResult, Workload } from './workload.js';

export interface CounterWorkloadOptions {
  /** Key prefix, unique per phase (e.g. `F1/c`); `counterView` selects keys by it. */
  readonly prefix: string;
  readonly slots: number;
  readonly opsPerKey: number;
  readonly maxInfoPerKey: number;
  /** Share of steps that increment after reading (the rest only read). */
  readonly incrementShare?: number;
}

export class CounterWorkload implements Workload {
  readonly name = 'W4';
  readonly #recorder: HistoryRecorder;
  readonly #slots: KeySlots;
  readonly #share: number;

  constructor(recorder: HistoryRecorder, o: CounterWorkloadOptions) {
    this.#recorder = recorder;
    this.#slots = new KeySlots(o.prefix, o.slots, o.opsPerKey, o.maxInfoPerKey);
    this.#share = o.incrementShare ?? 0.8;
  }

  get keys(): ReadonlySet<string> {
    return this.#slots.keys;
  }

  async step(ctx: ClientContext): Promise<StepResult> {
    const increment = ctx.prng.chance(this.#share);
    const key = this.#slots.take(ctx.prng, increment ? 2 : 1);
    const read = await readRegister(this.#recorder, ctx.process, ctx.client, key);
    if (!increment || read.completion.outcome !== 'ok') {
      const info = read.completion.outcome === 'info';
      if (info) this.#slots.indeterminate(key);
      return { ops: read.recorded ? 1 : 0, indeterminate: info };
    }
    const value = `${countOf(read.value) + 1}|${ctx.canary()}`;
    const w = await recordedRequest(
      this.#recorder,
      ctx.process,
      ctx.client,
      { type: 'cas', key, value, expected: read.value },
      {
        method: 'POST',
        path: `secret/data/${key}`,
        body: { options: { cas: read.version }, data: { value } },
      },
    );
    const info = w.completion.outcome === 'info';
    if (info) this.#slots.indeterminate(key);
    return { ops: w.recorded ? 2 : 1, indeterminate: info };
  }

  finalReads(clients: readonly NodeClient[]): Promise<FinalReadStats> {
    return finalRegisterReads(this.#recorder, this.#slots.keys, clients);
  }
}
