/**
 * W2 set workload: create-only KV v2 keys. A set is a folder `secret/<set>/`; adding element E
 * writes `secret/data/<set>/E` with `cas=0` and a unique canary value (2xx → it must be in the
 * final set; 4xx → it must never appear; info → either). Reads list `secret/metadata/<set>/`
 * (404 = empty). After an indeterminate add the client retries the same element once: create-only
 * must then refuse it (400) if the first attempt took effect — two acknowledged adds of one
 * element are a `duplicate-add` anomaly. Checked by checkSet (lost / duplicate / phantom …).
 */
import type { Completion, HistoryRecorder, JsonValue } from '../checker/index.js';
import { outcomeOfStatus } from '../checker/index.js';
import { KeySlots } from './key-slots.js';
import type { HttpAnswer, NodeClient } from './node-client.js';
import { recordedRequest } from './recorded-request.js';
import { runInLanes } from './run-in-lanes.js';
import type { ClientContext, FinalReadStats, StepResult, Workload } from './workload.js';
import { FINAL_READ_LANES } from './workload.js';

export interface SetWorkloadOptions {
  /** Set key prefix, unique per phase (e.g. `F1/s`). */
  readonly prefix: string;
  readonly slots: number;
  /** Adds and reads per set before it rotates. */
  readonly opsPerKey: number;
  readonly maxInfoPerKey: number;
  /** Share of steps that list a set (the rest add). */
  readonly readShare?: number;
}

/** LIST answer → the set's elements (404 = empty). */
export function interpretList(res: HttpAnswer): Completion {
  if (res.status === 404) return { outcome: 'ok', result: [] };
  const outcome = outcomeOfStatus(res.status);
  if (outcome !== 'ok')
    return { outcome, error: `HTTP ${res.status} ${JSON.stringify(res.body?.['errors'] ?? '')}` };
  const keys = (res.body?.['data'] as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
    return { outcome: 'info', error: `HTTP ${res.status}: LIST answer without a keys array` };
  return { outcome: 'ok', result: keys as JsonValue[] };
}

interface Retry {
  readonly set: string;
  readonly element: string;
  readonly value: string;
}

export class SetWorkload implements Workload {
  readonly name = 'W2';
  readonly #recorder: HistoryRecorder;
  readonly #slots: KeySlots;
  readonly #readShare: number;
  /** Per client: an add whose outcome was indeterminate, to be retried once. */
  readonly #retry = new Map<number, Retry>();
  #seq = 0;

  constructor(recorder: HistoryRecorder, o: SetWorkloadOptions) {
    this.#recorder = recorder;
    this.#slots = new KeySlots(o.prefix, o.slots, o.opsPerKey, o.maxInfoPerKey);
    this.#readShare = o.readShare ?? 0.2;
  }

  get keys(): ReadonlySet<string> {
    return this.#slots.keys;
  }

  #list(
    process: string,
    client: NodeClient,
    set: string,
  ): Promise<{ recorded: boolean; completion: Completion }> {
    return recordedRequest(
      this.#recorder,
      process,
      client,
      { type: 'read', key: set },
      { method: 'GET', path: `secret/metadata/${set}/?list=true` },
      interpretList,
    );
  }

  async step(ctx: ClientContext): Promise<StepResult> {
    const retry = this.#retry.get(ctx.index);
    if (retry === undefined && ctx.prng.chance(this.#readShare)) {
      const set = this.#slots.take(ctx.prng);
      const r = await this.#list(ctx.process, ctx.client, set);
      const info = r.completion.outcome === 'info';
      if (info) this.#slots.indeterminate(set);
      return { ops: r.recorded ? 1 : 0, indeterminate: info };
    }
    this.#retry.delete(ctx.index);
    const set = retry?.set ?? this.#slots.take(ctx.prng);
    const element = retry?.element ?? `e${ctx.index}.${this.#seq++}`;
    const value = retry?.value ?? ctx.canary();
    const r = await recordedRequest(
      this.#recorder,
      ctx.process,
      ctx.client,
      { type: 'add', key: set, value: element },
      {
        method: 'POST',
        path: `secret/data/${set}/${element}`,
        body: { options: { cas: 0 }, data: { value } },
      },
    );
    const info = r.completion.outcome === 'info';
    if (info) {
      this.#slots.indeterminate(set);
      if (retry === undefined) this.#retry.set(ctx.index, { set, element, value });
    }
    // A refused add was never sent: retry it later like an indeterminate one (same element).
    if (!r.recorded && retry === undefined) this.#retry.set(ctx.index, { set, element, value });
    return { ops: r.recorded ? 1 : 0, indeterminate: info };
  }

  async finalReads(clients: readonly NodeClient[]): Promise<FinalReadStats> {
    let reads = 0;
    let failed = 0;
    const sorted = [...this.#slots.keys].sort();
    await Promise.all(
      clients.map((client) =>
        runInLanes(sorted, FINAL_READ_LANES, async (set, lane) => {
          let ok = false;
          for (let attempt = 0; attempt < 3 && !ok; attempt++) {
            reads++;
            const process = `final-${client.node.id}-${lane}`;
            ok = (await this.#list(process, client, set)).completion.outcome === 'ok';
          }
          if (!ok) failed++;
        }),
      ),
    );
    return { reads, failed };
  }
}
