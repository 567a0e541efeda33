/**
 * W1 register workload: KV v2 write / read / cas on rotating keys with unique canary values, each
 * op to the node the driver picked (standbys forward). Conventions (checker README): a read's 404
 * is `ok` with null; a `cas=version` write is recorded as `cas` with `expected` = the value the
 * same client read at that version (null for cas=0); 4xx → fail, 5xx/timeout/reset → info.
 */
import type { Completion, HistoryRecorder, JsonValue } from '../checker/index.js';
import { outcomeOfStatus } from '../checker/index.js';
import { KeySlots } from './key-slots.js';
import type { HttpAnswer, NodeClient } from './node-client.js';
import { recordedRequest } from './recorded-request.js';
import { runInLanes } from './run-in-lanes.js';
import type { ClientContext, FinalReadStats, StepResult, Workload } from './workload.js';
import { FINAL_READ_LANES } from './workload.js';

export interface RegisterWorkloadOptions {
  /** Key prefix, unique per phase (e.g. `F1/r`). */
  readonly prefix: string;
  /** Keys written concurrently. */
  readonly slots: number;
  readonly opsPerKey: number;
  readonly maxInfoPerKey: number;
}

export interface KvRead {
  readonly recorded: boolean;
  readonly completion: Completion;
  /** The stored `value` field (null when absent or not read). */
  readonly value: JsonValue;
  /** The live version (0 when absent). */
  readonly version: number;
}

/** KV v2 data read: 404 = absent (ok, null); the `value` field of the data is the register. */
export function interpretKvRead(res: HttpAnswer): {
  completion: Completion;
  value: JsonValue;
  version: number;
} {
  if (res.status === 404) return { completion: { outcome: 'ok', result: null }, value: null, version: 0 };
  const outcome = outcomeOfStatus(res.status);
  if (outcome !== 'ok') {
    return {
      completion: { outcome, error: `HTTP ${res.status} ${JSON.stringify(res.body?.['errors'] ?? '')}` },
      value: null,
      version: 0,
    };
  }
  const d = res.body?.['data'] as
    { data?: Record<string, unknown>; metadata?: { version?: number } } | undefined;
  const value = (d?.data?.['value'] as JsonValue | undefined) ?? null;
  return { completion: { outcome: 'ok', result: value }, value, version: Number(d?.metadata?.version ?? 0) };
}

/** A recorded KV v2 register read of `key` (checker key = KV path under `secret/`). */
export async function readRegister(
  recorder: HistoryRecorder,
  process: string,
  client: NodeClient,
  key: string,
): Promise<KvRead> {
  let parsed: ReturnType<typeof interpretKvRead> | undefined;
  const r = await recordedRequest(
    recorder,
    process,
    client,
    { type: 'read', key },
    { method: 'GET', path: `secret/data/${key}` },
    (res) => (parsed = interpretKvRead(res)).completion,
  );
  return {
    recorded: r.recorded,
    completion: r.completion,
    value: parsed !== undefined && r.completion.outcome === 'ok' ? parsed.value : null,
    version: parsed?.version ?? 0,
  };
}

/** Reads `keys` through every client (node), retrying a failed read a few times; recorded. */
export async function finalRegisterReads(
  recorder: HistoryRecorder,
  keys: Iterable<string>,
  clients: readonly NodeClient[],
): Promise<FinalReadStats> {
  let reads = 0;
  let failed = 0;
  const sorted = [...keys].sort();
  // Every node reads every key; FINAL_READ_LANES reads in flight per node, each lane its own process.
  await Promise.all(
    clients.map((client) =>
      runInLanes(sorted, FINAL_READ_LANES, async (key, lane) => {
        let ok = false;
        for (let attempt = 0; attempt < 3 && !ok; attempt++) {
          reads++;
          const process = `final-${client.node.id}-${lane}`;
          ok = (await readRegister(recorder, process, client, key)).completion.outcome === 'ok';
        }
        if (!ok) failed++;
      }),
    ),
  );
  return { reads, failed };
}

export class RegisterWorkload implements Workload {
  readonly name = 'W1';
  readonly #recorder: HistoryRecorder;
  readonly #slots: KeySlots;

  constructor(recorder: HistoryRecorder, o: RegisterWorkloadOptions) {
    this.#recorder = recorder;
    this.#slots = new KeySlots(o.prefix, o.slots, o.opsPerKey, o.maxInfoPerKey);
  }

  get keys(): ReadonlySet<string> {
    return this.#slots.keys;
  }

  async step(ctx: ClientContext): Promise<StepResult> {
    const r = ctx.prng.next();
    if (r < 0.5) {
      const key = this.#slots.take(ctx.prng);
      const read = await readRegister(this.#recorder, ctx.process, ctx.client, key);
      return this.#result(key, read.recorded ? 1 : 0, read.completion.outcome === 'info');
    }
    if (r < 0.8) {
      const key = this.#slots.take(ctx.prng);
      const value = ctx.canary();
      const w = await recordedRequest(
        this.#recorder,
        ctx.process,
        ctx.client,
        { type: 'write', key, value },
        { method: 'POST', path: `secret/data/${key}`, body: { data: { value } } },
      );
      return this.#result(key, w.recorded ? 1 : 0, w.completion.outcome === 'info');
    }
    const key = this.#slots.take(ctx.prng, 2);
    const read = await readRegister(this.#recorder, ctx.process, ctx.client, key);
    if (read.completion.outcome !== 'ok')
      return this.#result(key, read.recorded ? 1 : 0, read.completion.outcome === 'info');
    const value = ctx.canary();
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
    return this.#result(key, w.recorded ? 2 : 1, w.completion.outcome === 'info');
  }

  #result(key: string, ops: number, indeterminate: boolean): StepResult {
    if (indeterminate) this.#slots.indeterminate(key);
    return { ops, indeterminate };
  }

  finalReads(clients: readonly NodeClient[]): Promise<FinalReadStats> {
    return finalRegisterReads(this.#recorder, this.#slots.keys, clients);
  }
}
