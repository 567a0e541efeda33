/**
 * Crash failpoints for the fault suite (fault-matrix F12), modelled on etcd's gofail: named points
 * in the server code where the process SIGKILLs itself, so a test can crash a node at exactly the
 * moment it wants (between a log append and its fsync, between apply and acknowledgement, in the
 * middle of a snapshot transfer, …).
 *
 * Inert unless `COFFER_FAILPOINT` is set when the process starts: `<name>[:<n>]`, or a comma list
 * of them. `n` (default 1) is the hit that fires: `raft-after-apply:5` kills the process the fifth
 * time it reaches `raft-after-apply`. The variable is read once, at module load; when it is unset
 * `failpoint()` is a single comparison and `failpointEachChunk()` returns its argument unchanged.
 * An unknown name or a malformed count throws at load (a typo must not silently test nothing).
 *
 * When a point fires it writes one line to stderr (`coffer failpoint <name> fired at hit <n>`)
 * and sends itself SIGKILL synchronously: nothing after the point runs, nothing is flushed.
 */
import { writeSync } from 'node:fs';

export const FAILPOINTS = [
  /** A Ready's entries/hard state are about to be written durably (a leader's appends may be out). */
  'raft-before-log-sync',
  /** The Ready's write is durable; follower acknowledgements and votes are not sent yet. */
  'raft-after-log-sync',
  /** Committed entries are about to be applied to the state machine. */
  'raft-before-apply',
  /** Committed entries were applied durably; the proposers are not answered yet. */
  'raft-after-apply',
  /** Leader: a snapshot chunk went to the transport, the transfer is not finished. */
  'raft-snapshot-send-mid',
  /**
   * Follower: hit 1 after the first received chunk (snapshot file incomplete), hit 2 after the
   * state machine consumed the first chunk (staging incomplete), hit 3 once the FSM's restore is
   * committed but the live database not swapped yet.
   */
  'raft-snapshot-install-mid',
  /**
   * `sys/storage/raft/snapshot` restore: fires once chunk n of one restore was proposed and
   * applied (counted per restore, not per process; see `failpointHitAt` / `fireFailpoint`).
   */
  'restore-mid',
  /** A membership change entry is durable in the local log but not yet known committed. */
  'raft-before-conf-commit',
] as const;
export type FailpointName = (typeof FAILPOINTS)[number];

/** Old names still accepted. */
const ALIASES: Readonly<Record<string, FailpointName>> = { 'restore-after-chunks': 'restore-mid' };

const ENV_VAR = 'COFFER_FAILPOINT';

/** Parses a `COFFER_FAILPOINT` value into name → the hit that fires. Empty/undefined → none. */
export function parseFailpoints(value: string | undefined): ReadonlyMap<FailpointName, number> {
  const out = new Map<FailpointName, number>();
  if (value === undefined || value.trim() === '') return out;
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^([a-z][a-z0-9-]*)(?::(\d+))?$/.exec(item);
    if (m === null) throw new RangeError(`${ENV_VAR}: malformed failpoint "${item}" (want name[:n])`);
    const given = m[1] as string;
    const name: FailpointName | undefined =
      ALIASES[given] ?? FAILPOINTS.find((f): f is FailpointName => f === given);
    if (name === undefined)
      throw new RangeError(`${ENV_VAR}: unknown failpoint "${given}" (known: ${FAILPOINTS.join(', ')})`);
    const n = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`${ENV_VAR}: failpoint "${given}" needs a hit count ≥ 1`);
    if (out.has(name)) throw new RangeError(`${ENV_VAR}: failpoint "${name}" given twice`);
    out.set(name, n);
  }
  return out;
}

/** Armed failpoints with their hit counters; `fire` runs when a point reaches its hit. */
export class FailpointSet {
  readonly #fireAt: ReadonlyMap<FailpointName, number>;
  readonly #hits = new Map<FailpointName, number>();
  readonly #fire: (name: FailpointName, hit: number) => void;

  constructor(fireAt: ReadonlyMap<FailpointName, number>, fire: (name: FailpointName, hit: number) => void) {
    this.#fireAt = fireAt;
    this.#fire = fire;
  }

  armed(name: FailpointName): boolean {
    return this.#fireAt.has(name);
  }

  /** The hit `name` fires at, if armed. */
  hitAt(name: FailpointName): number | undefined {
    return this.#fireAt.get(name);
  }

  /** Fires `name` now (for points that count their own hits), if armed. */
  fire(name: FailpointName, hit: number): void {
    if (this.#fireAt.has(name)) this.#fire(name, hit);
  }

  hits(name: FailpointName): number {
    return this.#hits.get(name) ?? 0;
  }

  hit(name: FailpointName): void {
    const at = this.#fireAt.get(name);
    if (at === undefined) return;
    const n = (this.#hits.get(name) ?? 0) + 1;
    this.#hits.set(name, n);
    if (n === at) this.#fire(name, n);
  }
}

function killSelf(name: FailpointName, hit: number): void {
  try {
    writeSync(2, `coffer failpoint ${name} fired at hit ${hit}: SIGKILL\n`);
  } catch {
    // stderr closed: die anyway
  }
  process.kill(process.pid, 'SIGKILL');
}

const spec = parseFailpoints(process.env[ENV_VAR]);
const active: FailpointSet | undefined = spec.size === 0 ? undefined : new FailpointSet(spec, killSelf);

/** True when any failpoint is armed in this process (for guarding work done only to reach a point). */
export const failpointsArmed: boolean = active !== undefined;

/** True when `name` is armed in this process. */
export function failpointArmed(name: FailpointName): boolean {
  return active !== undefined && active.armed(name);
}

/** The hit `name` is armed to fire at in this process, or undefined. */
export function failpointHitAt(name: FailpointName): number | undefined {
  return active?.hitAt(name);
}

/** Fires `name` now if it is armed (a caller that counts hits itself, e.g. per restore). */
export function fireFailpoint(name: FailpointName, hit: number): void {
  active?.fire(name, hit);
}

/** A failpoint: kills the process here on the armed hit; otherwise nothing. */
export function failpoint(name: FailpointName): void {
  if (active === undefined) return;
  active.hit(name);
}

/**
 * `data` with the failpoint `name` hit after each chunk was consumed (when the next one is asked
 * for, or the end). Returns `data` itself when `name` is not armed.
 */
export function failpointEachChunk<T>(name: FailpointName, data: AsyncIterable<T>): AsyncIterable<T> {
  if (!failpointArmed(name)) return data;
  return (async function* () {
    for await (const chunk of data) {
      yield chunk;
      failpoint(name);
    }
  })();
}
