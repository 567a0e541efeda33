import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { decodeConfChange } from '../core/conf-change-codec.js';
import { MemoryStorage } from '../core/memory-storage.js';
import type { RaftConfig } from '../core/raft-config.js';
import { RaftError } from '../core/raft-error.js';
import { RawNode } from '../core/raw-node.js';
import { ConfChangeType, EntryType, MessageType, Role } from '../core/types.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  PeerStatus,
  Ready,
  Snapshot,
  SnapshotMetadata,
} from '../core/types.js';
import { FileSnapshotStore } from '../storage/file-snapshot-store.js';
import { LevelLogStore } from '../storage/level-log-store.js';
import { LogCorruptionError } from '../storage/log-corruption-error.js';
import type { LogStore, PersistedState } from '../storage/log-store.js';
import type { SnapshotStore } from '../storage/snapshot-store.js';
import { seededRandom } from '../transport/seeded-random.js';
import { failpoint, failpointEachChunk, failpointsArmed } from './failpoint.js';
import type { Transport } from '../transport/transport.js';
import {
  LeadershipLostError,
  NotLeaderError,
  ProposalDroppedError,
  RaftNodeError,
} from './raft-node-errors.js';
import { ownEntryData } from './own-entry-data.js';
import type { StateMachine } from './state-machine.js';

/** Core tuning passed through to the RawNode. */
export type RaftTuning = Partial<
  Pick<
    RaftConfig,
    | 'maxSizePerMsg'
    | 'maxInflightMsgs'
    | 'maxInflightBytes'
    | 'maxCommittedSizePerReady'
    | 'preVote'
    | 'checkQuorum'
  >
>;

export interface RaftNodeOptions {
  readonly id: NodeId;
  /** Owned by the node from now on: `start()` starts it, `stop()` closes it. */
  readonly transport: Transport;
  readonly stateMachine: StateMachine;
  /** Durable storage: the log in `<dataDir>/log` (LevelDB), snapshots in `<dataDir>/snapshots`. */
  readonly dataDir?: string;
  /** Storage overrides (e.g. MemoryLogStore / MemorySnapshotStore in tests and benchmarks). */
  readonly logStore?: LogStore;
  readonly snapshotStore?: SnapshotStore;
  /** Members known at start and their addresses (this node included, or not). */
  readonly peers?: Readonly<Record<NodeId, string>>;
  /**
   * Found a brand-new cluster whose voters are the keys of `peers` when the storage is empty
   * (every founding member must pass the same `peers`). Default: true when `peers` names this
   * node. A node joining an existing cluster passes false and waits to be added.
   */
  readonly bootstrap?: boolean;
  /** Milliseconds per tick before the multiplier (default 100); 0 = no timer, call `tick()`. */
  readonly tickMs?: number;
  /** Scales the tick interval, as Vault's performance_multiplier (default 1). */
  readonly performanceMultiplier?: number;
  /** Ticks without a leader before campaigning (default 10). */
  readonly electionTick?: number;
  /** Ticks between heartbeats (default 1). */
  readonly heartbeatTick?: number;
  /** Take a snapshot when applied − snapshot index exceeds this (default 8192). */
  readonly snapshotThreshold?: number;
  /**
   * And, once the last snapshot is larger than `snapshotRatioFloorBytes`, only when the entry
   * bytes applied since then reach this fraction of its size (default 0.5; 0 = entry count
   * alone). Each snapshot rewrites the whole state, so a fixed entry count alone would cost
   * O(data size) per `snapshotThreshold` writes: quadratic as data grows. The log kept between
   * snapshots then stays within this fraction of the data.
   */
  readonly snapshotLogRatio?: number;
  /** Snapshot size below which `snapshotLogRatio` does not apply (default 32 MiB). */
  readonly snapshotRatioFloorBytes?: number;
  /**
   * Cap of the entry bytes `snapshotLogRatio` may wait for (default 64 MiB): the entries since
   * the last snapshot are held in memory until it is taken, so this bounds the log's memory.
   */
  readonly snapshotMaxLogBytes?: number;
  /** Log entries kept behind a snapshot for slow followers (default 10240). */
  readonly trailingLogs?: number;
  /**
   * And at most this many bytes of them (default 32 MiB): the log is held in memory, and large
   * entries (a restore's 512 KiB chunks) would otherwise keep gigabytes behind each snapshot.
   */
  readonly trailingLogBytes?: number;
  /** Seed of the core's election-timeout randomisation (default: random). */
  readonly seed?: number;
  /** How long `readIndex()` waits for the leader's confirmation (default 2 election timeouts). */
  readonly readTimeoutMs?: number;
  /**
   * Leader-lease reads (Raft thesis §6.4.1): while a quorum acknowledged a heartbeat sent less than
   * `leaseMs` ago, the leader serves `readIndex()` (its own, and followers' forwarded ones) with no
   * heartbeat round. Default: on when the node runs its tick timer (tickMs > 0) with check-quorum;
   * with manual ticks (tickMs 0) only when `now` and `leaseMs` are given. Each voter promises its
   * own lease in its heartbeat acks and the shortest promise of the quorum bounds the leader's, so
   * members with different tick settings stay safe; a node with leases off promises nothing.
   */
  readonly leaseReads?: boolean;
  /**
   * Lease length in ms. Default floor(0.8 · (electionTick − 1) · tick ms): a voter that heard from
   * the leader refuses other candidates for electionTick timer ticks, and timers never fire early,
   * so that takes at least (electionTick − 1) ticks of real time. Never more than that.
   */
  readonly leaseMs?: number;
  /** Monotonic clock in ms for leases (default performance.now: it runs on while the process is stopped). */
  readonly now?: () => number;
  readonly tuning?: RaftTuning;
}

export interface PeerInfo {
  readonly id: NodeId;
  readonly address: string;
  readonly voter: boolean;
  /** Milliseconds since a message from this peer last arrived (undefined: never). */
  readonly lastContactMs: number | undefined;
  /** Replication progress, known on the leader only. */
  readonly progress: PeerStatus | undefined;
}

export interface RaftNodeMetrics {
  /** Ready batches processed (each costs at most one fsync). */
  readonly readyBatches: number;
  /** Durable log writes (fsyncs) issued. */
  readonly fsyncs: number;
  readonly entriesPersisted: number;
  readonly entriesApplied: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly proposalsPending: number;
  readonly readsPending: number;
  readonly snapshotsTaken: number;
  readonly snapshotsSent: number;
  readonly snapshotsSendFailed: number;
  readonly snapshotsReceived: number;
  readonly snapshotsInstalled: number;
  readonly leaderChanges: number;
  /** Duration of the most recent durable write, ms. */
  readonly lastPersistMs: number;
  /** Largest number of entries persisted in one Ready. */
  readonly maxBatchEntries: number;
  /** Reads served from the leader lease: this node's `readIndex()` calls and followers' requests. */
  readonly leaseReads: number;
  /**
   * ReadIndex requests issued through the core (each batch of `readIndex()` calls that could not
   * use a lease): a heartbeat round on a leader, a request to the leader on a follower.
   */
  readonly readIndexRounds: number;
}

export interface RaftNodeStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly role: Role;
  /** '' when no leader is known. */
  readonly leader: NodeId;
  readonly leaderAddress: string;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  /** Newest membership in the log. */
  readonly config: ConfState;
  readonly peers: readonly PeerInfo[];
  readonly metrics: RaftNodeMetrics;
}

export interface RaftNodeEvents {
  /** Role changed (follower, pre-candidate, candidate, leader). */
  role: [role: Role, term: number];
  /** The known leader changed ('' = none known). */
  leader: [leader: NodeId, term: number];
  /** The node hit an unrecoverable error and stopped itself. */
  fatal: [error: Error];
}

interface PendingProposal {
  readonly term: number;
  readonly resolve: (index: number) => void;
  readonly reject: (err: Error) => void;
}

interface ReadWaiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
}

interface IssuedRead {
  readonly waiters: ReadWaiter[];
}

interface AppliedRead {
  readonly index: number;
  readonly waiters: ReadWaiter[];
}

interface TransferWaiter {
  readonly to: NodeId;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type Lifecycle =
  | { kind: 'new' }
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'stopped'; reason: Error | undefined };

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isSameSnapshot(a: SnapshotMetadata | undefined, b: SnapshotMetadata): boolean {
  return a !== undefined && a.index === b.index && a.term === b.term;
}

function* singleChunk(bytes: Uint8Array): Iterable<Uint8Array> {
  yield bytes;
}

async function* toAsync(data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* data;
}

/**
 * The async driver around the pure raft core: runs the tick timer, feeds it messages and
 * proposals, and turns each Ready into I/O in the required order — persist (one fsync) → send
 * (a leader's appends may go out before its own fsync) → install snapshot / apply committed
 * entries → advance. Proposals arriving while a Ready is being persisted are batched into the
 * next one (group commit).
 */
export class RaftNode extends EventEmitter<RaftNodeEvents> {
  readonly id: NodeId;
  readonly #opts: RaftNodeOptions;
  readonly #transport: Transport;
  readonly #sm: StateMachine;
  /** The state machine's durable state is the snapshot (see StateMachine.onDemandSnapshots). */
  readonly #onDemand: boolean;
  /** Snap messages waiting for a point-in-time capture by the loop (on-demand snapshots). */
  #snapshotSends: Message[] = [];
  #logStore!: LogStore;
  #snapshotStore!: SnapshotStore;
  #storage!: MemoryStorage;
  #raw!: RawNode;
  #state: Lifecycle = { kind: 'new' };

  readonly #tickMs: number;
  readonly #electionTick: number;
  readonly #heartbeatTick: number;
  readonly #snapshotThreshold: number;
  readonly #snapshotLogRatio: number;
  readonly #snapshotRatioFloorBytes: number;
  readonly #snapshotMaxLogBytes: number;
  readonly #trailingLogs: number;
  readonly #trailingLogBytes: number;
  readonly #readTimeoutMs: number;
  /** 0 = lease reads off. */
  readonly #leaseMs: number;
  readonly #now: () => number;

  #timer: NodeJS.Timeout | undefined;
  #readSweep: NodeJS.Timeout | undefined;
  #loopScheduled = false;
  #loopRunning = false;
  /** Resolves when the loop is idle (for stop()). */
  #loopIdle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};

  #role: Role = Role.Follower;
  #leader: NodeId = '';
  #term = 0;
  #applied = 0;
  /** The hard state last written to the log store. */
  #hardState: HardState = { term: 0, vote: '', commit: 0 };
  /**
   * The newest hard state. When only its commit index moved it is not written on its own: it
   * rides along with the next log write (or stop()). Commit is volatile in raft — a restarted
   * node re-learns it from the leader, and what the state machine applied was committed.
   */
  #latestHardState: HardState = this.#hardState;
  #snapshotMeta: SnapshotMetadata | undefined;
  #snapshotting = false;
  /** Entry bytes applied since the last snapshot was taken or installed (see snapshotLogRatio). */
  #bytesSinceSnapshot = 0;

  readonly #pending = new Map<number, PendingProposal>();
  #readQueue: ReadWaiter[] = [];
  readonly #issuedReads = new Map<string, IssuedRead>();
  #appliedReads: AppliedRead[] = [];
  #readSeq = 0;
  readonly #readPrefix = `${process.pid}-${randomInt(2 ** 31)}-`;
  readonly #transfers = new Set<TransferWaiter>();
  readonly #addresses = new Map<NodeId, string>();
  readonly #lastContact = new Map<NodeId, number>();
  /** Snapshot sends and writes in flight, awaited by stop(). */
  readonly #background = new Set<Promise<void>>();

  #metrics = {
    readyBatches: 0,
    fsyncs: 0,
    entriesPersisted: 0,
    entriesApplied: 0,
    messagesSent: 0,
    messagesReceived: 0,
    snapshotsTaken: 0,
    snapshotsSent: 0,
    snapshotsSendFailed: 0,
    snapshotsReceived: 0,
    snapshotsInstalled: 0,
    leaderChanges: 0,
    lastPersistMs: 0,
    maxBatchEntries: 0,
    leaseReads: 0,
    readIndexRounds: 0,
  };

  constructor(options: RaftNodeOptions) {
    super();
    this.id = options.id;
    this.#opts = options;
    this.#transport = options.transport;
    this.#sm = options.stateMachine;
    this.#onDemand = this.#sm.onDemandSnapshots === true;
    if (this.#onDemand && (this.#sm.appliedIndex === undefined || this.#sm.sync === undefined))
      throw new TypeError('on-demand snapshots need a state machine with appliedIndex and sync');
    this.#tickMs = (options.tickMs ?? 100) * (options.performanceMultiplier ?? 1);
    this.#electionTick = options.electionTick ?? 10;
    this.#heartbeatTick = options.heartbeatTick ?? 1;
    this.#snapshotThreshold = options.snapshotThreshold ?? 8192;
    this.#snapshotLogRatio = options.snapshotLogRatio ?? 0.5;
    this.#snapshotRatioFloorBytes = options.snapshotRatioFloorBytes ?? 32 * 1024 * 1024;
    this.#snapshotMaxLogBytes = options.snapshotMaxLogBytes ?? 64 * 1024 * 1024;
    this.#trailingLogs = options.trailingLogs ?? 10240;
    this.#trailingLogBytes = options.trailingLogBytes ?? 32 * 1024 * 1024;
    this.#readTimeoutMs =
      options.readTimeoutMs ?? Math.max(1000, 2 * this.#electionTick * Math.max(this.#tickMs, 10));
    this.#leaseMs = this.#resolveLeaseMs(options);
    this.#now = options.now ?? (() => performance.now());
    if (
      options.dataDir === undefined &&
      (options.logStore === undefined || options.snapshotStore === undefined)
    ) {
      throw new TypeError('RaftNode needs a dataDir or both a logStore and a snapshotStore');
    }
    for (const [id, address] of Object.entries(options.peers ?? {})) this.#addresses.set(id, address);
  }

  /** The lease length (0 = lease reads off) from the options; throws TypeError when unsafe. */
  #resolveLeaseMs(o: RaftNodeOptions): number {
    const checkQuorum = o.tuning?.checkQuorum ?? true;
    const maxMs = (this.#electionTick - 1) * this.#tickMs;
    const ms = o.leaseMs ?? Math.floor(0.8 * maxMs);
    const enabled = o.leaseReads ?? (checkQuorum && ms > 0 && (this.#tickMs > 0 || o.now !== undefined));
    if (!enabled) return 0;
    if (!checkQuorum) throw new TypeError('RaftNode: leaseReads needs check-quorum (tuning.checkQuorum)');
    if (!Number.isFinite(ms) || ms <= 0)
      throw new TypeError('RaftNode: leaseReads needs a positive leaseMs (give it with tickMs 0)');
    if (this.#tickMs > 0 && ms > maxMs) {
      throw new TypeError(
        `RaftNode: leaseMs ${ms} exceeds the ${maxMs} ms of electionTick − 1 ticks a voter waits before voting`,
      );
    }
    return ms;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Opens storage (verifying checksums: a corrupt log refuses to start with LogCorruptionError),
   * recovers the log into the core, restores the state machine if needed, starts the transport
   * and the tick timer.
   */
  async start(): Promise<void> {
    if (this.#state.kind !== 'new') throw new Error(`RaftNode ${this.id} cannot start twice`);
    this.#state = { kind: 'starting' };
    const o = this.#opts;
    this.#logStore = o.logStore ?? new LevelLogStore(join(o.dataDir!, 'log'));
    this.#snapshotStore = o.snapshotStore ?? new FileSnapshotStore(join(o.dataDir!, 'snapshots'));
    try {
      const persisted = await this.#logStore.open();
      await this.#snapshotStore.open();
      const snap = persisted.snapshot;
      const applied = this.#sm.appliedIndex === undefined ? 0 : await this.#sm.appliedIndex();
      // On-demand snapshots hold no bytes once the state machine has durably applied past them.
      const bytesNeeded = !this.#onDemand || applied < (snap?.index ?? 0);
      if (snap !== undefined && bytesNeeded && !this.#snapshotStore.has(snap)) {
        throw new LogCorruptionError(
          `snapshot ${snap.term}-${snap.index}`,
          'recorded in the log but its bytes are missing',
        );
      }
      // Drop snapshots that were received or taken but never recorded (newer ones included:
      // nothing is in flight yet; while running, retain() only ever drops older ones).
      await this.#snapshotStore.retainOnly(snap);
      this.#snapshotMeta = snap;
      let hardState = persisted.hardState;
      // The commit index on disk may lag (see #latestHardState); what the state machine applied was committed.
      if (applied > hardState.commit && applied <= this.#logStore.lastIndex())
        hardState = { ...hardState, commit: applied };
      this.#hardState = hardState;
      this.#latestHardState = hardState;
      this.#storage = this.#recover({ ...persisted, hardState });
      for (const e of persisted.entries) this.#learnAddress(e);

      const voters = Object.keys(o.peers ?? {});
      const bootstrap = o.bootstrap ?? voters.includes(this.id);
      this.#raw = new RawNode({
        id: this.id,
        peers: bootstrap ? { voters, learners: [] } : undefined,
        electionTick: this.#electionTick,
        heartbeatTick: this.#heartbeatTick,
        random: seededRandom(o.seed ?? randomInt(2 ** 31)),
        storage: this.#storage,
        applied,
        leaseMs: this.#leaseMs,
        now: this.#now,
        ...o.tuning,
      });
      this.#applied = applied;
      const st = this.#raw.basicStatus();
      this.#term = st.term;

      for (const [id, address] of this.#addresses) if (id !== this.id) this.#transport.addPeer(id, address);
      this.#transport.onMessage((m) => this.#onMessage(m));
      this.#transport.onSnapshot((m, data) => this.#onSnapshot(m, data));
      this.#transport.onUnreachable((peer) => {
        if (this.#state.kind === 'running') {
          this.#raw.reportUnreachable(peer);
          this.#kick();
        }
      });
      await this.#transport.start();
      this.#addresses.set(this.id, this.#transport.address);
    } catch (err) {
      this.#state = { kind: 'stopped', reason: err instanceof Error ? err : new Error(String(err)) };
      await this.#closeStorage();
      await this.#transport.close().catch(() => undefined);
      throw err;
    }
    this.#state = { kind: 'running' };
    if (this.#tickMs > 0) this.#timer = setInterval(() => this.tick(), this.#tickMs);
    this.#readSweep = setInterval(
      () => this.#expireReads(),
      Math.max(50, Math.min(this.#readTimeoutMs / 4, 1000)),
    );
    this.#kick();
  }

  /** Stops timers, rejects everything pending, waits for the current Ready, closes transport and storage. */
  async stop(): Promise<void> {
    if (this.#state.kind === 'stopped') return;
    await this.#shutdown(undefined);
  }

  get running(): boolean {
    return this.#state.kind === 'running';
  }

  async #shutdown(reason: Error | undefined): Promise<void> {
    const wasRunning = this.#state.kind === 'running';
    this.#state = { kind: 'stopped', reason };
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#readSweep !== undefined) clearInterval(this.#readSweep);
    this.#timer = undefined;
    this.#readSweep = undefined;
    const stopped = (): Error =>
      new RaftNodeError(
        'stopped',
        reason === undefined ? `node ${this.id} stopped` : `node ${this.id} stopped: ${reason.message}`,
      );
    this.#rejectProposals(stopped);
    this.#rejectReads(stopped, true);
    for (const t of this.#transfers) {
      clearTimeout(t.timer);
      t.reject(stopped());
    }
    this.#transfers.clear();
    if (!wasRunning) return;
    await this.#transport.close().catch(() => undefined);
    await this.#loopIdle;
    await Promise.allSettled([...this.#background]);
    if (reason === undefined && this.#latestHardState !== this.#hardState) {
      await this.#logStore.write({ hardState: this.#latestHardState }).catch(() => undefined);
    }
    await this.#closeStorage();
  }

  #inBackground(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.#fail(err));
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  async #closeStorage(): Promise<void> {
    await this.#logStore?.close().catch(() => undefined);
    await this.#snapshotStore?.close().catch(() => undefined);
  }

  #fail(err: unknown): void {
    if (this.#state.kind === 'stopped') return;
    const error = err instanceof Error ? err : new Error(String(err));
    void this.#shutdown(error);
    if (this.listenerCount('fatal') > 0) this.emit('fatal', error);
  }

  /** Rebuilds the in-memory mirror of the durable log. */
  #recover(p: PersistedState): MemoryStorage {
    const ms = new MemoryStorage();
    const snap = p.snapshot;
    const entries = p.entries;
    const first = entries[0];
    if (snap === undefined) {
      if (first !== undefined && first.index !== 1) {
        throw new LogCorruptionError(
          `entry ${first.index}`,
          'log does not start at 1 and there is no snapshot',
        );
      }
      ms.append(ownEntryData(entries));
    } else if (first !== undefined && first.index <= snap.index) {
      // Trailing logs: the first entry anchors the compaction point's term.
      ms.applySnapshot({
        metadata: { index: first.index, term: first.term, confState: snap.confState },
        data: EMPTY,
      });
      ms.append(ownEntryData(entries.slice(1)));
      if (snap.index > first.index) {
        if (snap.index > ms.lastIndex())
          throw new LogCorruptionError(`snapshot ${snap.index}`, 'beyond the last log entry');
        const created = ms.createSnapshot(snap.index, snap.confState, EMPTY);
        if (created.metadata.term !== snap.term) {
          throw new LogCorruptionError(
            `snapshot ${snap.index}`,
            `term ${snap.term} disagrees with the log (${created.metadata.term})`,
          );
        }
      }
    } else {
      if (first !== undefined && first.index !== snap.index + 1) {
        throw new LogCorruptionError(`entry ${snap.index + 1}`, 'missing after the snapshot');
      }
      ms.applySnapshot({ metadata: snap, data: EMPTY });
      ms.append(ownEntryData(entries));
    }
    ms.setHardState(p.hardState);
    return ms;
  }

  // ------------------------------------------------------------------ inputs

  /** Advances logical time by one tick (called by the timer, or by tests with tickMs 0). */
  tick(): void {
    if (this.#state.kind !== 'running') return;
    this.#raw.tick();
    this.#sendHeartbeatsNow();
    this.#kick();
  }

  /**
   * While the loop waits on a fsync or an apply, the next Ready waits too: heartbeats (and their
   * answers) go out at once instead, so a disk stalled longer than an election timeout does not
   * make followers campaign or the leader step down for want of a quorum's answers.
   */
  #sendHeartbeatsNow(): void {
    if (!this.#loopRunning) return;
    const beats = this.#raw.takeHeartbeats();
    if (beats.length === 0) return;
    this.#metrics.messagesSent += beats.length;
    this.#transport.send(beats);
  }

  /** Campaigns for leadership now (tests, operator tooling). */
  campaign(): void {
    if (this.#state.kind !== 'running') return;
    this.#raw.campaign();
    this.#kick();
  }

  #onMessage(m: Message): void {
    if (this.#state.kind !== 'running') return;
    this.#metrics.messagesReceived++;
    this.#lastContact.set(m.from, Date.now());
    try {
      this.#raw.step(m);
    } catch (err) {
      if (RaftError.is(err, 'STEP_LOCAL_MESSAGE')) return;
      this.#fail(err);
      return;
    }
    this.#sendHeartbeatsNow();
    this.#kick();
  }

  async #onSnapshot(m: Message, data: AsyncIterable<Uint8Array>): Promise<void> {
    if (this.#state.kind !== 'running') throw new RaftNodeError('stopped', 'node not running');
    const snap = m.snapshot;
    if (snap === undefined) throw new Error('Snap message without snapshot metadata');
    this.#lastContact.set(m.from, Date.now());
    await this.#snapshotStore.write(snap.metadata, failpointEachChunk('raft-snapshot-install-mid', data));
    if (this.#state.kind !== 'running') throw new RaftNodeError('stopped', 'node not running');
    this.#metrics.snapshotsReceived++;
    this.#metrics.messagesReceived++;
    try {
      this.#raw.step({ ...m, snapshot: { metadata: snap.metadata, data: EMPTY } });
    } catch (err) {
      this.#fail(err);
      throw err;
    }
    this.#kick();
  }

  /**
   * Proposes `data` (non-empty). Resolves with the entry's index once it is committed and
   * applied locally. Rejects with NotLeaderError (nothing appended), LeadershipLostError
   * (outcome unknown), ProposalDroppedError (not committed) or RaftNodeError 'stopped'.
   */
  propose(data: Uint8Array): Promise<number> {
    if (data.length === 0)
      return Promise.reject(new TypeError('empty proposals are reserved for leader no-ops'));
    return this.#propose(() => this.#raw.propose(data));
  }

  #propose(append: () => { index: number; term: number }): Promise<number> {
    if (this.#state.kind !== 'running')
      return Promise.reject(new RaftNodeError('stopped', `node ${this.id} is not running`));
    let result: { index: number; term: number };
    try {
      result = append();
    } catch (err) {
      return Promise.reject(this.#translate(err));
    }
    this.#kick();
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(result.index, { term: result.term, resolve, reject });
    });
  }

  #translate(err: unknown): Error {
    if (!(err instanceof RaftError)) return err instanceof Error ? err : new Error(String(err));
    switch (err.code) {
      case 'NOT_LEADER':
        return new NotLeaderError(err.leader, this.#addressOf(err.leader));
      case 'LEADER_TRANSFERRING':
        return new ProposalDroppedError(err.message);
      case 'CONF_CHANGE_PENDING':
        return new RaftNodeError('conf_change_pending', err.message);
      case 'INVALID_CONF_CHANGE':
        return new RaftNodeError('invalid_conf_change', err.message);
      default:
        return err;
    }
  }

  #addressOf(id: NodeId): string {
    if (id === '') return '';
    return this.#addresses.get(id) ?? this.#transport.addressOf(id) ?? '';
  }

  /**
   * Resolves once a local read would be linearizable: the leader confirmed (with a quorum) its
   * commit index at the time of the call and this node has applied up to it. Concurrent calls
   * share one confirmation round. A leader holding a valid lease (see `leaseReads`) confirms at
   * once: the promise resolves as soon as the commit index of that moment is applied (already
   * resolved when it is). Rejects with NotLeaderError when no leader is known, or RaftNodeError
   * 'timeout' / LeadershipLostError when the confirmation does not come.
   */
  readIndex(): Promise<void> {
    if (this.#state.kind !== 'running')
      return Promise.reject(new RaftNodeError('stopped', `node ${this.id} is not running`));
    if (this.#role !== Role.Leader && this.#leader === '') return Promise.reject(new NotLeaderError('', ''));
    const leased = this.leaseRead();
    if (leased !== undefined) return leased;
    return new Promise<void>((resolve, reject) => {
      this.#readQueue.push({ resolve, reject, deadline: Date.now() + this.#readTimeoutMs });
      this.#kick();
    });
  }

  /**
   * A read barrier from the leader lease alone, or undefined when this node holds no valid lease
   * (then only `readIndex()` can confirm). Resolves once the commit index of this moment is
   * applied: at once when it already is. Each call stands alone, so callers need not coalesce.
   */
  leaseRead(): Promise<void> | undefined {
    if (this.#leaseMs <= 0 || this.#state.kind !== 'running') return undefined;
    const index = this.#raw.leaseReadIndex();
    if (index === undefined) return undefined;
    this.#metrics.leaseReads++;
    if (index <= this.#applied) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject, deadline: Date.now() + this.#readTimeoutMs };
      this.#appliedReads.push({ index, waiters: [waiter] });
      this.#kick();
    });
  }

  #issueReads(): void {
    if (this.#readQueue.length === 0) return;
    const waiters = this.#readQueue;
    this.#readQueue = [];
    // The lease may have become valid since these reads were queued (e.g. the first commit of the term).
    const index = this.#leaseMs > 0 ? this.#raw.leaseReadIndex() : undefined;
    if (index !== undefined) {
      this.#metrics.leaseReads += waiters.length;
      this.#appliedReads.push({ index, waiters });
      this.#serveReads();
      return;
    }
    this.#metrics.readIndexRounds++;
    const key = this.#readPrefix + String(++this.#readSeq);
    try {
      this.#raw.readIndex(encoder.encode(key));
    } catch (err) {
      const e = this.#translate(err);
      for (const w of waiters) w.reject(e);
      return;
    }
    this.#issuedReads.set(key, { waiters });
  }

  #expireReads(): void {
    const now = Date.now();
    const timeout = (): Error => new RaftNodeError('timeout', 'read index not confirmed in time');
    for (const [key, r] of this.#issuedReads) {
      const live = r.waiters.filter((w) => w.deadline > now);
      if (live.length === r.waiters.length) continue;
      for (const w of r.waiters) if (w.deadline <= now) w.reject(timeout());
      if (live.length === 0) this.#issuedReads.delete(key);
      else this.#issuedReads.set(key, { waiters: live });
    }
  }

  #rejectReads(makeError: () => Error, includeApplied: boolean): void {
    for (const r of this.#issuedReads.values()) for (const w of r.waiters) w.reject(makeError());
    this.#issuedReads.clear();
    for (const w of this.#readQueue) w.reject(makeError());
    this.#readQueue = [];
    if (includeApplied) {
      for (const r of this.#appliedReads) for (const w of r.waiters) w.reject(makeError());
      this.#appliedReads = [];
    }
  }

  #rejectProposals(makeError: () => Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(makeError());
  }

  // ------------------------------------------------------------------ membership

  /** Adds a voter (resolves once the change is applied here). */
  addVoter(id: NodeId, address: string): Promise<number> {
    return this.#changeMembership(
      { type: ConfChangeType.AddVoter, nodeId: id, context: encoder.encode(address) },
      address,
    );
  }

  /** Adds a non-voting learner that receives the log. */
  addLearner(id: NodeId, address: string): Promise<number> {
    return this.#changeMembership(
      { type: ConfChangeType.AddLearner, nodeId: id, context: encoder.encode(address) },
      address,
    );
  }

  /** Promotes a learner to voter. */
  promote(id: NodeId): Promise<number> {
    const address = this.#addressOf(id);
    return this.#changeMembership(
      { type: ConfChangeType.AddVoter, nodeId: id, context: encoder.encode(address) },
      address,
    );
  }

  /** Removes a voter or learner. */
  removeNode(id: NodeId): Promise<number> {
    return this.#changeMembership({ type: ConfChangeType.RemoveNode, nodeId: id, context: EMPTY }, '');
  }

  #changeMembership(cc: ConfChange, address: string): Promise<number> {
    if (address !== '' && cc.nodeId !== this.id && this.#state.kind === 'running') {
      // The leader replicates to a new member as soon as the change is appended.
      this.#addresses.set(cc.nodeId, address);
      this.#transport.addPeer(cc.nodeId, address);
    }
    return this.#propose(() => this.#raw.proposeConfChange(cc));
  }

  /**
   * Hands leadership to `to` (default: the most up-to-date other voter). Resolves when `to` is
   * leader as seen from here; rejects with NotLeaderError, or 'timeout' after an election timeout.
   */
  transferLeadership(to?: NodeId): Promise<void> {
    if (this.#state.kind !== 'running')
      return Promise.reject(new RaftNodeError('stopped', `node ${this.id} is not running`));
    if (this.#role !== Role.Leader)
      return Promise.reject(new NotLeaderError(this.#leader, this.#addressOf(this.#leader)));
    const st = this.#raw.status();
    let target = to;
    if (target === undefined) {
      let best = -1;
      for (const id of st.config.voters) {
        const pr = st.progress.get(id);
        if (id !== this.id && pr !== undefined && pr.match > best) {
          best = pr.match;
          target = id;
        }
      }
    }
    if (target === undefined || !st.config.voters.includes(target)) {
      return Promise.reject(
        new RaftNodeError('invalid_conf_change', `no voter ${target ?? ''} to transfer leadership to`),
      );
    }
    if (target === this.id) return Promise.resolve();
    const dest = target;
    return new Promise<void>((resolve, reject) => {
      const waiter: TransferWaiter = {
        to: dest,
        resolve,
        reject,
        timer: setTimeout(
          () => {
            this.#transfers.delete(waiter);
            reject(new RaftNodeError('timeout', `leadership transfer to ${dest} did not complete`));
          },
          2 * this.#electionTick * Math.max(this.#tickMs, 10),
        ),
      };
      this.#transfers.add(waiter);
      this.#raw.transferLeader(dest);
      this.#kick();
    });
  }

  // ------------------------------------------------------------------ status

  /** The current term; `status().term` without building the whole status (request paths). */
  get term(): number {
    if (this.#raw === undefined) throw new Error(`RaftNode ${this.id} not started`);
    return this.#raw.term;
  }

  /** The newest membership; `status().config` without building the whole status (request paths). */
  membership(): ConfState {
    if (this.#raw === undefined) throw new Error(`RaftNode ${this.id} not started`);
    return this.#raw.membership();
  }

  status(): RaftNodeStatus {
    if (this.#raw === undefined) throw new Error(`RaftNode ${this.id} not started`);
    const st = this.#raw.status();
    const now = Date.now();
    const voters = new Set(st.config.voters);
    const ids = [...new Set([...st.config.voters, ...st.config.learners])].sort();
    const peers: PeerInfo[] = ids.map((id) => {
      const last = this.#lastContact.get(id);
      return {
        id,
        address: this.#addressOf(id),
        voter: voters.has(id),
        lastContactMs: id === this.id ? 0 : last === undefined ? undefined : now - last,
        progress: st.progress.get(id),
      };
    });
    let reads = this.#readQueue.length;
    for (const r of this.#issuedReads.values()) reads += r.waiters.length;
    for (const r of this.#appliedReads) reads += r.waiters.length;
    return {
      id: this.id,
      term: st.term,
      vote: st.vote,
      role: st.role,
      leader: st.leader,
      leaderAddress: this.#addressOf(st.leader),
      commit: st.commit,
      applied: this.#applied,
      firstIndex: st.firstIndex,
      lastIndex: st.lastIndex,
      snapshotIndex: this.#snapshotMeta?.index ?? 0,
      snapshotTerm: this.#snapshotMeta?.term ?? 0,
      config: st.config,
      peers,
      metrics: {
        ...this.#metrics,
        leaseReads: this.#metrics.leaseReads + this.#raw.leaseReadsServed,
        proposalsPending: this.#pending.size,
        readsPending: reads,
      },
    };
  }

  get role(): Role {
    return this.#role;
  }

  get leader(): NodeId {
    return this.#leader;
  }

  get appliedIndex(): number {
    return this.#applied;
  }

  // ------------------------------------------------------------------ the Ready loop

  #kick(): void {
    if (this.#loopScheduled || this.#loopRunning || this.#state.kind !== 'running') return;
    this.#loopScheduled = true;
    // setImmediate, not a microtask: proposals and messages arriving in this event-loop turn
    // join the same Ready.
    setImmediate(this.#runLoop);
  }

  readonly #runLoop = (): void => {
    this.#loopScheduled = false;
    if (this.#loopRunning || this.#state.kind !== 'running') return;
    this.#loopRunning = true;
    this.#loopIdle = new Promise<void>((resolve) => (this.#markIdle = resolve));
    void this.#loop().finally(() => {
      this.#loopRunning = false;
      this.#markIdle();
      if (
        this.#state.kind === 'running' &&
        (this.#readQueue.length > 0 || this.#snapshotSends.length > 0 || this.#raw.hasReady())
      )
        this.#kick();
    });
  };

  async #loop(): Promise<void> {
    try {
      for (;;) {
        if (this.#state.kind !== 'running') return;
        if (this.#snapshotSends.length > 0) await this.#captureSnapshotSends();
        this.#issueReads();
        if (!this.#raw.hasReady()) return;
        const rd = this.#raw.ready();
        await this.#handleReady(rd);
        if (this.#state.kind !== 'running') return;
        this.#raw.advance(rd);
        await this.#maybeSnapshot();
      }
    } catch (err) {
      this.#fail(err);
    }
  }

  async #handleReady(rd: Ready): Promise<void> {
    this.#metrics.readyBatches++;
    // 1. A leader's appends and heartbeats may leave before its own fsync.
    if (rd.mustSync) this.#send(rd.messages);

    // Committed entries already durable here (always the case on a leader, which counts itself
    // only for advanced Readys) are applied while this Ready's new entries are fsynced.
    const committed = rd.committedEntries;
    const lastCommitted = committed[committed.length - 1];
    const applyEarly =
      lastCommitted !== undefined &&
      rd.snapshot === undefined &&
      lastCommitted.index <= this.#storage.lastIndex() &&
      (rd.entries.length === 0 || rd.entries[0]!.index > lastCommitted.index);
    const applying = applyEarly ? this.#apply(committed) : undefined;
    // Never left unobserved, even if the write below fails first.
    applying?.catch(() => undefined);

    // 2. Persist snapshot + entries + hard state in one durable write, then mirror into the core's storage.
    const snap = rd.snapshot;
    const newSnapshot = snap !== undefined && !isSameSnapshot(this.#snapshotMeta, snap.metadata);
    const hs = rd.hardState;
    if (hs !== undefined) this.#latestHardState = hs;
    const prev = this.#hardState;
    const termOrVote = hs !== undefined && (hs.term !== prev.term || hs.vote !== prev.vote);
    if (newSnapshot || termOrVote || rd.entries.length > 0) {
      const started = performance.now();
      const hardState = this.#latestHardState !== prev ? this.#latestHardState : undefined;
      failpoint('raft-before-log-sync');
      await this.#logStore.write({
        snapshot: newSnapshot ? snap.metadata : undefined,
        entries: rd.entries,
        hardState,
      });
      this.#hardState = this.#latestHardState;
      failpoint('raft-after-log-sync');
      if (failpointsArmed && rd.entries.some((e) => e.type === EntryType.ConfChange))
        failpoint('raft-before-conf-commit');
      this.#metrics.lastPersistMs = performance.now() - started;
      this.#metrics.fsyncs++;
      this.#metrics.entriesPersisted += rd.entries.length;
      if (rd.entries.length > this.#metrics.maxBatchEntries)
        this.#metrics.maxBatchEntries = rd.entries.length;
    }
    if (snap !== undefined) {
      this.#storage.applySnapshot({ metadata: snap.metadata, data: EMPTY });
      this.#snapshotMeta = snap.metadata;
    }
    if (rd.entries.length > 0) {
      this.#storage.append(ownEntryData(rd.entries));
      for (const e of rd.entries) if (e.type === EntryType.ConfChange) this.#learnAddress(e);
    }
    if (rd.hardState !== undefined) {
      this.#storage.setHardState(rd.hardState);
      this.#term = rd.hardState.term;
    }

    // 3. Everything else is sent only once durable (votes, follower acks).
    if (!rd.mustSync) this.#send(rd.messages);

    // 4. Install a snapshot, or apply committed entries (unless already applying, see above).
    if (snap !== undefined) await this.#installSnapshot(snap);
    if (applying !== undefined) await applying;
    else if (committed.length > 0) await this.#apply(committed);

    // 5. Reads: confirmed read indexes wait for the applied index.
    for (const rs of rd.readStates) {
      const key = decoder.decode(rs.context);
      const issued = this.#issuedReads.get(key);
      if (issued === undefined) continue;
      this.#issuedReads.delete(key);
      this.#appliedReads.push({ index: rs.index, waiters: issued.waiters });
    }
    this.#serveReads();

    // 6. Role and leader changes (after applying: entries committed in this Ready resolve first).
    if (rd.softState !== undefined) this.#onSoftState(rd.softState.role, rd.softState.leader);
  }

  #send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    let plain: Message[] | undefined;
    for (const m of messages) {
      if (m.type === MessageType.Snap) {
        plain ??= messages.filter((x) => x.type !== MessageType.Snap);
        if (this.#onDemand) this.#snapshotSends.push(m);
        else this.#inBackground(this.#sendSnapshot(m));
      }
    }
    const out = plain ?? messages;
    this.#metrics.messagesSent += out.length;
    this.#transport.send(out);
  }

  /**
   * On-demand snapshots: the core asked to send its snapshot point, which has no bytes. The state
   * machine captures its state as of now instead (nothing is being applied: the loop runs this),
   * at the applied index, which is at or past that point, and that is what the follower installs.
   */
  async #captureSnapshotSends(): Promise<void> {
    const sends = this.#snapshotSends;
    this.#snapshotSends = [];
    for (const m of sends) {
      // State only the log carries (a restore being proposed) would be missing from a capture
      // now: the follower gets one later (the core retries after a failed report).
      if (this.#sm.snapshotAllowed?.() === false) {
        this.#raw.reportSnapshot(m.to, false);
        continue;
      }
      // The applied index is at or past the core's snapshot point: compaction records only what
      // was applied, and an installed snapshot is applied before the loop runs again.
      const index = this.#applied;
      const meta: SnapshotMetadata = {
        index,
        term: this.#storage.term(index),
        confState: this.#raw.status().appliedConfig,
      };
      const data = await this.#sm.snapshot(meta);
      this.#inBackground(
        this.#sendSnapshot(
          { ...m, snapshot: { metadata: meta, data: EMPTY } },
          data instanceof Uint8Array ? toAsync(singleChunk(data)) : data,
        ),
      );
    }
  }

  async #sendSnapshot(m: Message, captured?: AsyncIterable<Uint8Array>): Promise<void> {
    const meta = m.snapshot?.metadata;
    let ok = false;
    try {
      let data = captured;
      if (data === undefined) {
        if (meta === undefined || !this.#snapshotStore.has(meta)) throw new Error('snapshot bytes not held');
        data = this.#snapshotStore.read(meta);
      }
      await this.#transport.sendSnapshot(m, failpointEachChunk('raft-snapshot-send-mid', data));
      ok = true;
      this.#metrics.snapshotsSent++;
    } catch {
      this.#metrics.snapshotsSendFailed++;
    }
    if (this.#state.kind !== 'running') return;
    this.#raw.reportSnapshot(m.to, ok);
    this.#kick();
  }

  async #installSnapshot(snap: Snapshot): Promise<void> {
    const meta = snap.metadata;
    if (!this.#snapshotStore.has(meta))
      throw new LogCorruptionError(`snapshot ${meta.term}-${meta.index}`, 'bytes missing at install');
    await this.#sm.restore(
      failpointEachChunk('raft-snapshot-install-mid', toAsync(this.#snapshotStore.read(meta))),
      meta,
    );
    this.#applied = meta.index;
    this.#bytesSinceSnapshot = 0;
    this.#metrics.snapshotsInstalled++;
    await this.#snapshotStore.retain(meta);
    // Proposals at or below the snapshot were decided elsewhere; we cannot tell how.
    for (const [index, p] of this.#pending) {
      if (index > meta.index) continue;
      this.#pending.delete(index);
      p.reject(new LeadershipLostError(this.#leader));
    }
    this.#serveReads();
  }

  async #apply(entries: readonly Entry[]): Promise<void> {
    failpoint('raft-before-apply');
    let conf: { index: number; confState: ConfState } | undefined;
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange) continue;
      const cc = decodeConfChange(e.data);
      const confState = this.#raw.applyConfChange(cc);
      conf = { index: e.index, confState };
      this.#learnAddress(e);
      if (
        cc.type === ConfChangeType.RemoveNode &&
        cc.nodeId !== this.id &&
        !confState.voters.includes(cc.nodeId)
      ) {
        this.#transport.removePeer(cc.nodeId);
      }
    }
    await this.#sm.apply(entries);
    failpoint('raft-after-apply');
    if (conf !== undefined) {
      await this.#logStore.write({ appliedConf: conf });
      this.#metrics.fsyncs++;
    }
    const last = entries[entries.length - 1]!;
    this.#applied = last.index;
    this.#metrics.entriesApplied += entries.length;
    for (const e of entries) this.#bytesSinceSnapshot += e.data.byteLength;
    if (this.#pending.size > 0) {
      for (const e of entries) {
        const p = this.#pending.get(e.index);
        if (p === undefined) continue;
        this.#pending.delete(e.index);
        if (p.term === e.term) p.resolve(e.index);
        else p.reject(new ProposalDroppedError(`index ${e.index} was taken by term ${e.term}`));
      }
    }
  }

  #serveReads(): void {
    if (this.#appliedReads.length === 0) return;
    const still: AppliedRead[] = [];
    for (const r of this.#appliedReads) {
      if (r.index <= this.#applied) for (const w of r.waiters) w.resolve();
      else still.push(r);
    }
    this.#appliedReads = still;
  }

  #onSoftState(role: Role, leader: NodeId): void {
    const wasLeader = this.#role === Role.Leader;
    const roleChanged = role !== this.#role;
    const leaderChanged = leader !== this.#leader;
    this.#role = role;
    this.#leader = leader;
    if (wasLeader && role !== Role.Leader) {
      this.#rejectProposals(() => new LeadershipLostError(leader));
      // Read confirmations this leader still owed will never come; confirmed ones stay valid.
      this.#rejectReads(() => new LeadershipLostError(leader), false);
    }
    if (leaderChanged) {
      this.#metrics.leaderChanges++;
      for (const t of this.#transfers) {
        if (t.to === leader) {
          clearTimeout(t.timer);
          this.#transfers.delete(t);
          t.resolve();
        }
      }
    }
    if (roleChanged) this.emit('role', role, this.#term);
    if (leaderChanged) this.emit('leader', leader, this.#term);
  }

  /** Peer addresses travel in AddVoter/AddLearner contexts. */
  #learnAddress(e: Entry): void {
    if (e.type !== EntryType.ConfChange) return;
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode || cc.context.length === 0 || cc.nodeId === this.id) return;
    const address = decoder.decode(cc.context);
    if (this.#addresses.get(cc.nodeId) === address) return;
    this.#addresses.set(cc.nodeId, address);
    if (this.#state.kind === 'running' || this.#state.kind === 'starting')
      this.#transport.addPeer(cc.nodeId, address);
  }

  // ------------------------------------------------------------------ snapshots and compaction

  async #maybeSnapshot(): Promise<void> {
    if (this.#snapshotting) return;
    const snapIndex = this.#snapshotMeta?.index ?? 0;
    if (this.#onDemand) {
      // A compaction costs one fsync: due by entry count, or by bytes (the log is in memory).
      const due =
        this.#applied - snapIndex > this.#snapshotThreshold ||
        (this.#applied > snapIndex && this.#bytesSinceSnapshot >= this.#snapshotMaxLogBytes);
      if (!due) return;
    } else {
      if (this.#applied - snapIndex <= this.#snapshotThreshold) return;
      const last = this.#snapshotMeta;
      const lastBytes = last === undefined ? 0 : this.#snapshotStore.size(last);
      const wanted = Math.min(this.#snapshotLogRatio * lastBytes, this.#snapshotMaxLogBytes);
      if (lastBytes > this.#snapshotRatioFloorBytes && this.#bytesSinceSnapshot < wanted) return;
      // The state machine may hold state that only the log carries (e.g. a multi-entry operation
      // in progress); a snapshot taken then would lose it for a follower that installs it.
      if (this.#sm.snapshotAllowed?.() === false) return;
    }
    this.#snapshotting = true;
    this.#bytesSinceSnapshot = 0;
    const index = this.#applied;
    const confState = this.#raw.status().appliedConfig;
    const term = this.#storage.term(index);
    const meta: SnapshotMetadata = { index, term, confState };
    if (this.#onDemand) {
      // Nothing to write: the state machine's synced state is the snapshot.
      this.#inBackground(
        this.#persistSnapshot(meta, undefined).finally(() => {
          this.#snapshotting = false;
        }),
      );
      return;
    }
    let data: AsyncIterable<Uint8Array> | Uint8Array;
    try {
      // Point-in-time capture while nothing else is applied; the bytes are written in the background.
      data = await this.#sm.snapshot(meta);
    } catch (err) {
      this.#snapshotting = false;
      throw err;
    }
    this.#inBackground(
      this.#persistSnapshot(meta, data instanceof Uint8Array ? toAsync(singleChunk(data)) : data).finally(
        () => {
          this.#snapshotting = false;
        },
      ),
    );
  }

  /** The compaction index that keeps `trailingLogs` entries behind `index`, within `trailingLogBytes`. */
  #trailingStart(index: number): number {
    const lo = Math.max(this.#storage.firstIndex() - 1, index - this.#trailingLogs, 1);
    if (index <= lo + 1) return lo;
    const trailing = this.#storage.entries(lo + 1, index + 1);
    let bytes = 0;
    for (let k = trailing.length - 1; k >= 0; k--) {
      const e = trailing[k] as Entry;
      bytes += e.data.byteLength;
      if (bytes > this.#trailingLogBytes) return e.index;
    }
    return lo;
  }

  async #persistSnapshot(meta: SnapshotMetadata, data: AsyncIterable<Uint8Array> | undefined): Promise<void> {
    try {
      if (data !== undefined) await this.#snapshotStore.write(meta, data);
      // stop() waits for this before closing storage, so finishing during a clean stop is safe.
      if (this.#state.kind === 'stopped' && this.#state.reason !== undefined) return;
      // The entries about to be dropped must not be the only durable copy of what was applied.
      await this.#sm.sync?.();
      // A newer snapshot may have been installed from the leader meanwhile.
      if ((this.#snapshotMeta?.index ?? 0) >= meta.index) return;
      const keepFrom = this.#trailingStart(meta.index);
      this.#storage.createSnapshot(meta.index, meta.confState, EMPTY);
      this.#snapshotMeta = meta;
      await this.#logStore.compact(meta, keepFrom);
      this.#metrics.fsyncs++;
      this.#storage.compact(keepFrom);
      await this.#snapshotStore.retain(meta);
      this.#metrics.snapshotsTaken++;
    } catch (err) {
      this.#fail(err);
    }
  }
}
