import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type * as grpc from '@grpc/grpc-js';
import { BarrierError, SealAccess, ShareCollector } from '@coffer/barrier';
import { GrpcTransport, Role, type RaftNode } from '@coffer/raft';
import type { Logger } from 'pino';
import { createClusterCa } from '../cluster/cluster-ca.js';
import { bindClusterServer, createClusterServer } from '../cluster/cluster-server.js';
import {
  clusterTlsMaterialFromJson,
  clusterTlsMaterialToJson,
  type ClusterTlsMaterial,
} from '../cluster/cluster-tls-material.js';
import type { EchoReply, EchoRequest } from '../cluster/echo-message.js';
import type { ForwardedRequest } from '../cluster/forwarded-request.js';
import type { ForwardedResponse } from '../cluster/forwarded-response.js';
import { ForwardingClient } from '../cluster/forwarding-client.js';
import { ForwardingServer, type ForwardingContext } from '../cluster/forwarding-server.js';
import { NO_ACTIVE_NODE_MESSAGE } from '../cluster/forwarding-service.js';
import { issueNodeCertificate } from '../cluster/node-certificate.js';
import { CORE_VERSION, type Core, type CoreInitParams } from '../core/core.js';
import type { LifecycleDriver } from '../core/lifecycle-driver.js';
import { TransitionQueue } from '../core/transition-queue.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { createApiHandler } from '../http/create-app.js';
import type { ApiHandler } from '../http/api-request.js';
import {
  RaftFsm,
  encodeRestoreCommand,
  openRaftStorage,
  type FsmChange,
  type RaftStorage,
} from '../raft-storage/index.js';
import type {
  AutopilotConfig,
  HaNodeStatus,
  JoinAccepted,
  JoinAnswer,
  JoinChallenge,
  LeaderStatus,
  RaftConfigurationStatus,
  RaftJoinParams,
} from '../sys/cluster-backend.js';
import type { InitResult, NodeStatus } from '../sys/sys-backend.js';
import { Autopilot } from './autopilot.js';
import { DEFAULT_AUTOPILOT_CONFIG, loadAutopilotConfig, saveAutopilotConfig } from './autopilot-config.js';
import { parseClusterAddress, type ClusterAddress } from './cluster-address.js';
import {
  AUTOPILOT_CONFIG_KEY,
  CLUSTER_CA_KEY,
  CLUSTER_LOCAL_PREFIXES,
  LEADER_RECORD_KEY,
  NODE_RECORD_PREFIX,
  deleteNodeRecords,
  readClusterCa,
  readLeaderRecord,
  readNodeRecord,
  readNodeTls,
  writeClusterCa,
  writeLeaderRecord,
  writeNodeRecord,
  writeNodeTls,
  type LeaderRecord,
  type NodeRecord,
} from './cluster-records.js';
import { apiRequestOf, forwardedResponseOf } from './forwarded-http.js';
import type { HaBackend } from './ha-backend.js';
import { JoinChallenges } from './join-challenges.js';
import { postToLeader, type LeaderApiTarget } from './leader-api-client.js';
import type { ActiveNode, StandbyNode } from './standby-router.js';

/** Raft timing: one tick is `BASE_TICK_MS × performance_multiplier`; elections after 10–20 ticks. */
export const BASE_TICK_MS = 50;
const TICK_INTERVAL_MS = 250;
const ECHO_INTERVAL_MS = 2_000;
const AUTOPILOT_INTERVAL_MS = 1_000;
/** A standby that has not echoed for this long is no longer listed by `sys/ha-status`. */
const ECHO_FORGET_MS = 30_000;
const LEADERSHIP_WAIT_MS = 15_000;
const CATCH_UP_WAIT_MS = 120_000;
/** How long a standby waits for the active node's record to replicate before answering 503. */
const ACTIVE_WAIT_MS = 3_000;
const RETRY_JOIN_INTERVAL_MS = 2_000;

export interface HaNodeOptions {
  readonly core: Core;
  /** The backend under the core's barrier (owned by the core: `core.close()` closes it). */
  readonly backend: HaBackend;
  readonly logger: Logger;
  /** Raft data directory (`storage "raft" { path }`). */
  readonly dir: string;
  readonly nodeId: string;
  /** `cluster_addr` as configured (a URL); its host:port is advertised to peers. */
  readonly clusterAddr: string;
  /** host:port the cluster port binds (the listener's `cluster_address`). */
  readonly clusterBind: string;
  /** `api_addr` ('' when unset): where standbys redirect clients. */
  readonly apiAddr: string;
  /** `retry_join` stanzas, PEM files already read. */
  readonly retryJoin: readonly LeaderApiTarget[];
  readonly retryJoinAsNonVoter: boolean;
  readonly performanceMultiplier: number;
  readonly snapshotThreshold: number;
  readonly trailingLogs: number;
  readonly maxEntrySize: number;
}

/** A join waiting for the cluster's unseal shares. */
interface PendingJoin {
  readonly target: LeaderApiTarget;
  readonly challenge: Uint8Array;
  readonly collector: ShareCollector;
  readonly nonVoter: boolean;
}

/** What exists while raft runs on this node. */
interface RaftRuntime {
  readonly storage: RaftStorage;
  readonly tls: ClusterTlsMaterial;
  /** The cluster port: raft's transport and request forwarding are both served on it. */
  readonly server: grpc.Server;
  readonly forwarding: ForwardingServer;
  readonly timer: NodeJS.Timeout;
  readonly detach: () => void;
}

/**
 * The HA lifecycle of a raft node, one typed state changed only inside one serial queue:
 *
 * - `stopped`: raft is not running; the barrier is uninitialized or sealed and reads the local
 *   FSM (seal configuration, keys, this node's own TLS material);
 * - `joining`: a join challenge was received; unseal shares are collected against the leader's
 *   seal configuration until they decrypt it;
 * - `running`: raft and request forwarding share the cluster port (one gRPC server, mutual TLS);
 *   the core is a standby or (leading raft, everything committed applied) active;
 * - `closed`.
 *
 * Transitions: init (bootstrap a one-voter cluster, initialize through it, store the cluster CA
 * and this node's certificate, stop) · unseal (barrier, then raft with the node's TLS material)
 * · join/answer (learner, catch up, unseal with the already-combined key) · reconcile (active ⇄
 * standby on leadership) · seal (hand leadership over, seal, stop raft).
 */
type HaState =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'joining'; readonly join: PendingJoin }
  | { readonly kind: 'running'; readonly raft: RaftRuntime }
  | { readonly kind: 'closed' };

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);
const notActive = (): CofferError => new CofferError(ErrorCode.NoActiveNode, 'node is not active');
const errorName = (e: unknown): string =>
  e instanceof Error ? (e instanceof CofferError ? e.code : e.name) : typeof e;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class HaNode implements LifecycleDriver, StandbyNode {
  readonly #o: HaNodeOptions;
  readonly #core: Core;
  readonly #log: Logger;
  readonly #cluster: ClusterAddress;
  readonly #hostname = osHostname();
  readonly #queue = new TransitionQueue();
  /** Membership changes one at a time (raft refuses overlapping ones). */
  readonly #membership = new TransitionQueue();
  readonly #challenges = new JoinChallenges();
  readonly #autopilot = new Autopilot();
  readonly #activeApi: ApiHandler;
  #state: HaState = { kind: 'stopped' };
  #reconcilePending = false;
  #activeTerm = 0;
  /** When this node last became active (the time its leader record carries). */
  #activeSince = new Date(0);
  #client: ForwardingClient | undefined;
  #leaderCache: LeaderRecord | undefined;
  #autopilotConfig: AutopilotConfig | undefined;
  #nonVoters = new Set<string>();
  readonly #echoes = new Map<string, Date>();
  #lastEcho = 0;
  #lastAutopilot = 0;
  #autopilotBusy = false;
  #echoBusy = false;
  /**
   * Forced restore (another cluster's snapshot): the plaintext of the cluster-local records
   * (CLUSTER_LOCAL_PREFIXES), read when the restore began, kept in memory only, and re-written
   * under the restored keyring by the node that becomes active after the unseal with the source
   * cluster's keys.
   */
  #carryOver: Map<string, Uint8Array> | undefined;
  #forceRestored = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryBusy = false;

  constructor(options: HaNodeOptions) {
    this.#o = options;
    this.#core = options.core;
    this.#log = options.logger.child({ component: 'ha', node_id: options.nodeId });
    this.#cluster = parseClusterAddress(options.clusterAddr);
    parseClusterAddress(options.clusterBind); // Fail at construction, not when raft starts.
    this.#activeApi = createApiHandler({ handler: options.core, logger: options.logger });
  }

  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** The HA lifecycle state's kind (tests, status). */
  get phase(): HaState['kind'] {
    return this.#state.kind;
  }

  /** The running raft node, if any (for tests and metrics). */
  get raftNode(): RaftNode | undefined {
    return this.#state.kind === 'running' ? this.#state.raft.storage.raftNode : undefined;
  }

  // ---- lifecycle (LifecycleDriver) -----------------------------------------------------------

  status(base: NodeStatus): NodeStatus {
    const st = this.#state;
    if (st.kind !== 'joining') return base;
    const c = st.join.collector;
    return {
      ...base,
      initialized: true,
      sealed: true,
      standby: true,
      seal: {
        type: c.config.type,
        t: c.config.secretThreshold,
        n: c.config.secretShares,
        progress: c.progress,
        nonce: c.nonce,
      },
    };
  }

  initialize(params: CoreInitParams): Promise<InitResult> {
    return this.#queue.run(async () => {
      this.#assertOpen();
      if (this.#state.kind === 'joining')
        throw bad('this node is joining a cluster; it cannot also be initialized');
      await this.#core.refreshBarrier();
      if (this.#state.kind !== 'stopped' || this.#core.state !== 'uninitialized') {
        throw new BarrierError('ALREADY_INITIALIZED', 'barrier is already initialized');
      }
      const ca = await createClusterCa({ commonName: `coffer-cluster-${randomBytes(4).toString('hex')}` });
      const cert = await issueNodeCertificate(ca, { nodeId: this.#o.nodeId, hosts: [this.#cluster.host] });
      const tls: ClusterTlsMaterial = { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
      const raft = await this.#startRaft(tls, { [this.#o.nodeId]: this.#cluster.hostPort }, true);
      try {
        await this.#awaitLeadership(raft.storage.raftNode);
        const result = await this.#core.initializeStorage({
          ...params,
          firstUnseal: async (storage) => {
            await writeClusterCa(storage, ca);
            await writeNodeTls(storage, this.#o.nodeId, tls);
            await writeNodeRecord(storage, this.#selfRecord(false));
          },
        });
        this.#log.info({}, 'initialized a new raft cluster with this node as its only voter');
        return result;
      } finally {
        await this.#stopRaft(true);
      }
    });
  }

  unseal(share: Uint8Array): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen();
      const st = this.#state;
      if (st.kind === 'joining') return this.#joinUnseal(st.join, share);
      if (st.kind === 'running') {
        await this.#core.unsealBarrier(share);
        return;
      }
      await this.#core.refreshBarrier();
      await this.#core.unsealBarrier(share);
      if (this.#core.state !== 'standby') return;
      try {
        const tls = await readNodeTls(this.#core.barrier, this.#o.nodeId);
        if (tls === undefined) {
          throw new CofferError(
            ErrorCode.Internal,
            `storage holds no cluster TLS material for node id "${this.#o.nodeId}": was this node initialized or joined under another node_id?`,
          );
        }
        await this.#startRaft(tls, await this.#knownPeers(), false);
      } catch (err) {
        await this.#core.sealBarrier().catch(() => undefined);
        throw err;
      }
      this.#scheduleReconcile();
    });
  }

  resetUnseal(): void {
    const st = this.#state;
    if (st.kind === 'joining') st.join.collector.reset();
    else this.#core.barrier.resetUnseal();
  }

  seal(): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen();
      await this.#sealNow();
    });
  }

  /** Stops everything (SIGTERM): hands leadership over if active, seals, stops raft. `core.close()` closes storage. */
  async close(): Promise<void> {
    this.#stopRetryJoin();
    await this.#queue.run(async () => {
      const st = this.#state;
      if (st.kind === 'closed') return;
      if (st.kind === 'running') {
        await this.#handOver(st.raft.storage.raftNode);
        if (this.#core.state === 'unsealed' || this.#core.state === 'standby') await this.#core.sealBarrier();
        await this.#stopRaft(true);
      }
      if (this.#state.kind === 'joining') this.#state.join.collector.reset();
      this.#state = { kind: 'closed' };
    });
  }

  async #sealNow(): Promise<void> {
    const st = this.#state;
    if (st.kind === 'joining') {
      st.join.collector.reset();
      this.#state = { kind: 'stopped' };
      this.#log.info({}, 'join abandoned (sealed)');
      return;
    }
    if (st.kind === 'stopped') {
      await this.#core.sealBarrier();
      return;
    }
    if (st.kind !== 'running') return;
    await this.#handOver(st.raft.storage.raftNode);
    await this.#core.sealBarrier();
    await this.#stopRaft(true);
  }

  /** When leading, hands leadership to another voter first, so the cluster does not wait for an election timeout. */
  async #handOver(node: RaftNode): Promise<void> {
    if (node.role !== Role.Leader || node.status().config.voters.length < 2) return;
    try {
      await node.transferLeadership();
      this.#log.info({ leader: node.leader }, 'handed leadership over');
    } catch (err) {
      this.#log.warn({ error: errorName(err) }, 'leadership hand-over failed');
    }
  }

  // ---- raft start/stop -----------------------------------------------------------------------

  async #startRaft(
    tls: ClusterTlsMaterial,
    peers: Readonly<Record<string, string>>,
    bootstrap: boolean,
  ): Promise<RaftRuntime> {
    const o = this.#o;
    const standalone = this.#o.backend.fsm;
    await standalone?.close();
    // One gRPC server on the cluster port, mutual TLS with the cluster CA, carries both services:
    // peers dial `cluster_addr` for raft and standbys dial it for forwarding.
    const server = createClusterServer();
    const transport = new GrpcTransport({
      id: o.nodeId,
      server,
      advertise: this.#cluster.hostPort,
      tls: { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem },
    });
    const forwarding = ForwardingServer.attach(server, {
      nodeId: o.nodeId,
      handler: (req, ctx) => this.#serveForwarded(req, ctx),
      echo: (req, ctx) => this.#onEcho(req, ctx),
      onError: (err) => this.#log.error({ error: errorName(err) }, 'forwarded request failed unexpectedly'),
    });
    let storage: RaftStorage;
    try {
      await bindClusterServer(server, o.clusterBind, tls);
      storage = await openRaftStorage({
        dir: o.dir,
        nodeId: o.nodeId,
        transport,
        peers,
        bootstrap,
        tickMs: BASE_TICK_MS,
        performanceMultiplier: o.performanceMultiplier,
        snapshotThreshold: o.snapshotThreshold,
        trailingLogs: o.trailingLogs,
        maxValueBytes: o.maxEntrySize,
        restoreKeeps: CLUSTER_LOCAL_PREFIXES,
        onForcedRestoreBegin: () => this.#captureClusterLocal(),
        keyringFingerprint: () => {
          try {
            return this.#core.barrier.keyringFingerprint();
          } catch {
            return '';
          }
        },
      });
    } catch (err) {
      forwarding.forceClose();
      await transport.close();
      server.forceShutdown();
      this.#o.backend.useFsm(await RaftFsm.open({ dir: o.dir }));
      throw err;
    }
    this.#o.backend.useRaft(storage);
    const node = storage.raftNode;
    const onRole = (): void => this.#scheduleReconcile();
    const onLeader = (): void => {
      this.#leaderCache = undefined;
      this.#scheduleReconcile();
    };
    const onFatal = (err: Error): void => {
      this.#log.error({ error: err.name }, 'raft stopped on an unrecoverable error; sealing this node');
      void this.#queue.run(() => this.#sealNow()).catch(() => undefined);
    };
    const onChange = (change: FsmChange): void => this.#onFsmChange(change);
    node.on('role', onRole);
    node.on('leader', onLeader);
    node.on('fatal', onFatal);
    storage.fsm.on('change', onChange);
    const timer = setInterval(() => this.#onTick(), TICK_INTERVAL_MS);
    timer.unref();
    const raft: RaftRuntime = {
      storage,
      tls,
      server,
      forwarding,
      timer,
      detach: () => {
        node.off('role', onRole);
        node.off('leader', onLeader);
        node.off('fatal', onFatal);
        storage.fsm.off('change', onChange);
      },
    };
    this.#state = { kind: 'running', raft };
    this.#log.info({ cluster_addr: this.#cluster.hostPort, cluster_bind: o.clusterBind }, 'raft started');
    // The only voter need not wait an election timeout for itself.
    const voters = node.status().config.voters;
    if (voters.length === 1 && voters[0] === o.nodeId) node.campaign();
    return raft;
  }

  /** Stops raft and the cluster port; `reopen`: read the local FSM again (stopped state). */
  async #stopRaft(reopen: boolean): Promise<void> {
    const st = this.#state;
    if (st.kind !== 'running') return;
    const raft = st.raft;
    clearInterval(raft.timer);
    raft.detach();
    this.#client?.close();
    this.#client = undefined;
    this.#challenges.clear();
    this.#echoes.clear();
    this.#leaderCache = undefined;
    this.#activeTerm = 0;
    raft.forwarding.forceClose();
    await raft.storage.close();
    raft.server.forceShutdown();
    if (reopen) this.#o.backend.useFsm(await RaftFsm.open({ dir: this.#o.dir }));
    this.#state = { kind: 'stopped' };
    this.#log.info({}, 'raft stopped');
  }

  async #awaitLeadership(node: RaftNode): Promise<void> {
    const deadline = Date.now() + LEADERSHIP_WAIT_MS;
    node.campaign();
    while (node.role !== Role.Leader) {
      if (Date.now() > deadline)
        throw new CofferError(ErrorCode.NoActiveNode, 'this node did not become raft leader in time');
      await sleep(20);
    }
    try {
      await node.readIndex();
    } catch (err) {
      // e.g. its first commit outlasted the read timeout (an overloaded disk): retryable, not a 500.
      throw new CofferError(
        ErrorCode.NoActiveNode,
        `this node could not confirm its leadership (${errorName(err)})`,
        {
          cause: err,
        },
      );
    }
  }

  /** Peer addresses from the replicated node records (read locally), for a restarting node. */
  async #knownPeers(): Promise<Record<string, string>> {
    const peers: Record<string, string> = {};
    try {
      for (const id of await this.#core.barrier.list(NODE_RECORD_PREFIX)) {
        if (id.endsWith('/')) continue;
        const r = await readNodeRecord(this.#core.barrier, id);
        if (r !== undefined && r.clusterAddr !== '') peers[id] = r.clusterAddr;
      }
    } catch (err) {
      this.#log.warn(
        { error: errorName(err) },
        'could not read node records; relying on the raft log for peer addresses',
      );
    }
    peers[this.#o.nodeId] = this.#cluster.hostPort;
    return peers;
  }

  #selfRecord(nonVoter: boolean): NodeRecord {
    return {
      nodeId: this.#o.nodeId,
      apiAddr: this.#o.apiAddr,
      clusterAddr: this.#cluster.hostPort,
      hostname: this.#hostname,
      nonVoter,
    };
  }

  // ---- active ⇄ standby ----------------------------------------------------------------------

  #scheduleReconcile(): void {
    if (this.#reconcilePending || this.#state.kind !== 'running') return;
    this.#reconcilePending = true;
    void this.#queue
      .run(async () => {
        this.#reconcilePending = false;
        await this.#reconcile();
      })
      .catch((err: unknown) => this.#log.warn({ error: errorName(err) }, 'reconcile failed'));
  }

  async #reconcile(): Promise<void> {
    const st = this.#state;
    if (st.kind !== 'running') return;
    const node = st.raft.storage.raftNode;
    const leading = node.role === Role.Leader;
    if (this.#core.state === 'standby' && leading) await this.#activate(st.raft);
    else if (this.#core.state === 'unsealed' && (!leading || node.status().term !== this.#activeTerm))
      await this.#deactivate();
  }

  /**
   * Leadership + unsealed → active: a ReadIndex round (the leader has committed an entry of its
   * term and applied everything committed before), the keyring re-read, the leader record
   * written through raft (standbys forward and redirect with it), then the core's runtime built.
   */
  async #activate(raft: RaftRuntime): Promise<void> {
    const node = raft.storage.raftNode;
    const term = node.status().term;
    try {
      await node.readIndex();
      // A restore whose proposer died between begin and commit: abort it (every node drops its staging).
      const pendingRestore = raft.storage.fsm.pendingRestore;
      if (pendingRestore !== undefined) {
        await node.propose(encodeRestoreCommand({ kind: 'abort', id: pendingRestore }));
        this.#log.warn({}, 'aborted a snapshot restore left unfinished by the previous active node');
      }
      if (this.#forceRestored && this.#carryOver !== undefined) {
        // First activation after a forced restore: the cluster's own records, under the new keyring.
        for (const [key, value] of this.#carryOver) await this.#core.barrier.put(key, value);
        this.#carryOver = undefined;
        this.#forceRestored = false;
        this.#log.info({}, 'cluster records re-written under the restored keyring');
      }
      await this.#core.barrier.reloadKeyring();
      const barrier = this.#core.barrier;
      const activeTime = new Date();
      await writeLeaderRecord(barrier, {
        nodeId: this.#o.nodeId,
        term,
        apiAddr: this.#o.apiAddr,
        clusterAddr: this.#cluster.hostPort,
        activeTime,
      });
      const own = await readNodeRecord(barrier, this.#o.nodeId);
      const self = this.#selfRecord(own?.nonVoter ?? false);
      if (
        own === undefined ||
        own.apiAddr !== self.apiAddr ||
        own.clusterAddr !== self.clusterAddr ||
        own.hostname !== self.hostname
      ) {
        await writeNodeRecord(barrier, self);
      }
      this.#nonVoters = await this.#readNonVoters();
      this.#autopilotConfig = await loadAutopilotConfig(barrier);
      if (node.role !== Role.Leader || node.status().term !== term) return;
      this.#activeTerm = term;
      this.#activeSince = activeTime;
      await this.#core.activate();
      this.#log.info({ term }, 'this node is now the active node');
    } catch (err) {
      this.#log.warn({ error: errorName(err) }, 'could not become active; staying standby');
    }
  }

  async #deactivate(): Promise<void> {
    this.#activeTerm = 0;
    await this.#core.deactivate();
    this.#challenges.clear();
    this.#echoes.clear();
    this.#log.info({}, 'this node is now a standby');
  }

  async #readNonVoters(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const id of await this.#core.barrier.list(NODE_RECORD_PREFIX)) {
      if (id.endsWith('/')) continue;
      if ((await readNodeRecord(this.#core.barrier, id))?.nonVoter === true) out.add(id);
    }
    return out;
  }

  #onTick(): void {
    const st = this.#state;
    if (st.kind !== 'running') return;
    const node = st.raft.storage.raftNode;
    const leading = node.role === Role.Leader;
    const core = this.#core.state;
    if (
      (core === 'standby' && leading) ||
      (core === 'unsealed' && (!leading || node.status().term !== this.#activeTerm))
    ) {
      this.#scheduleReconcile();
    }
    const now = Date.now();
    if (core === 'unsealed' && now - this.#lastAutopilot >= AUTOPILOT_INTERVAL_MS) {
      this.#lastAutopilot = now;
      void this.#autopilotRound(node);
    }
    if (core === 'standby' && now - this.#lastEcho >= ECHO_INTERVAL_MS) {
      this.#lastEcho = now;
      void this.#echo(node);
    }
  }

  #onFsmChange(change: FsmChange): void {
    if (change.kind === 'restore' && change.force === true) {
      // Another cluster's state and keyring: seal (raft keeps running with the TLS material in
      // memory); the node unseals with the source cluster's keys only.
      this.#forceRestored = true;
      this.#leaderCache = undefined;
      this.#autopilotConfig = undefined;
      void this.#queue
        .run(async () => {
          if (this.#core.state === 'unsealed' || this.#core.state === 'standby')
            await this.#core.sealBarrier();
          // The source cluster's share count and threshold apply from now on.
          await this.#core.refreshBarrier();
          this.#activeTerm = 0;
          this.#log.warn(
            {},
            "a snapshot of another cluster was restored: sealed; unseal with that cluster's keys",
          );
        })
        .catch((err: unknown) =>
          this.#log.error({ error: errorName(err) }, 'sealing after a forced restore failed'),
        );
      return;
    }
    const keys = change.kind === 'apply' ? new Set(change.keys) : undefined;
    const touched = (key: string): boolean => keys === undefined || keys.has(key);
    if (touched(LEADER_RECORD_KEY)) this.#leaderCache = undefined;
    if (touched(AUTOPILOT_CONFIG_KEY)) this.#autopilotConfig = undefined;
    if (touched('core/keyring') && this.#core.state === 'standby') {
      // A standby follows the active node's key rotations (reads its local FSM: no leader needed).
      void this.#o.backend
        .runLocal(() => this.#core.barrier.reloadKeyring())
        .catch((err: unknown) => this.#log.warn({ error: errorName(err) }, 'keyring reload failed'));
    }
  }

  async #autopilotRound(node: RaftNode): Promise<void> {
    if (this.#autopilotBusy) return;
    this.#autopilotBusy = true;
    try {
      if (node.role !== Role.Leader) return;
      this.#autopilotConfig ??= await loadAutopilotConfig(this.#core.barrier);
      const actions = this.#autopilot.decide(
        node.status(),
        this.#autopilotConfig,
        this.#nonVoters,
        Date.now(),
      );
      for (const id of actions.promote) {
        await this.#membership.run(async () => {
          const config = node.status().config;
          if (!config.learners.includes(id)) return;
          await node.promote(id);
          this.#log.info({ peer: id }, 'promoted a caught-up non-voter to voter');
        });
      }
      for (const id of actions.remove) {
        await this.#membership.run(() => this.#removeMember(node, id));
        this.#log.warn({ peer: id }, 'autopilot removed a dead server');
      }
    } catch (err) {
      this.#log.debug({ error: errorName(err) }, 'autopilot round failed');
    } finally {
      this.#autopilotBusy = false;
    }
  }

  async #echo(node: RaftNode): Promise<void> {
    if (this.#echoBusy) return;
    this.#echoBusy = true;
    try {
      const active = await this.#resolveActive(0);
      if (active === undefined || active.self) return;
      const client = this.#clientFor(active.record.clusterAddr);
      if (client === undefined) return;
      await client.echo(
        { nodeId: this.#o.nodeId, clusterAddress: this.#cluster.hostPort, appliedIndex: node.appliedIndex },
        { deadlineMs: 2_000 },
      );
    } catch {
      // The active node is away; forwarding will say so when a request needs it.
    } finally {
      this.#echoBusy = false;
    }
  }

  // ---- forwarding (active side) ----------------------------------------------------------------

  async #serveForwarded(req: ForwardedRequest, ctx: ForwardingContext): Promise<ForwardedResponse> {
    const st = this.#state;
    if (st.kind !== 'running' || this.#core.state !== 'unsealed')
      throw new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE);
    this.#requireMember(st.raft.storage.raftNode, ctx.peerNodeId);
    const reply = await this.#activeApi(apiRequestOf(req));
    this.#log.debug(
      { request_id: req.requestId, from: ctx.peerNodeId, status: reply.status },
      'served a forwarded request',
    );
    return forwardedResponseOf(reply);
  }

  #onEcho(req: EchoRequest, ctx: ForwardingContext): EchoReply {
    const st = this.#state;
    if (st.kind === 'running') this.#requireMember(st.raft.storage.raftNode, ctx.peerNodeId);
    if (this.#core.state === 'unsealed') this.#echoes.set(ctx.peerNodeId, new Date());
    return {
      nodeId: this.#o.nodeId,
      clusterAddress: this.#cluster.hostPort,
      appliedIndex: this.raftNode?.appliedIndex ?? 0,
    };
  }

  /** A certificate from the cluster CA is not enough: the peer must (still) be a raft member. */
  #requireMember(node: RaftNode, peer: string): void {
    const c = node.membership();
    if (!c.voters.includes(peer) && !c.learners.includes(peer)) {
      throw new CofferError(ErrorCode.PermissionDenied, `node "${peer}" is not a member of this cluster`);
    }
  }

  // ---- forwarding (standby side: StandbyNode) --------------------------------------------------

  get isStandby(): boolean {
    return this.#state.kind === 'running' && this.#core.state === 'standby';
  }

  async activeNode(): Promise<ActiveNode | undefined> {
    const active = await this.#resolveActive(ACTIVE_WAIT_MS);
    if (active === undefined) return undefined;
    return {
      nodeId: active.record.nodeId,
      apiAddr: active.record.apiAddr,
      clusterAddr: active.record.clusterAddr,
      self: active.self,
    };
  }

  async forward(request: ForwardedRequest, known?: ActiveNode): Promise<ForwardedResponse> {
    let clusterAddr: string;
    if (known !== undefined && !known.self) clusterAddr = known.clusterAddr;
    else {
      const active = await this.#resolveActive(ACTIVE_WAIT_MS);
      if (active === undefined || active.self)
        throw new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE);
      clusterAddr = active.record.clusterAddr;
    }
    const client = this.#clientFor(clusterAddr);
    if (client === undefined) throw new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE);
    return client.forward(request);
  }

  sealLocally(): Promise<void> {
    return this.seal();
  }

  /**
   * The active node as this node sees it: raft's current leader, with the record it wrote when it
   * became active in the current term. Waits up to `waitMs` for both (an election, or the record
   * still replicating); undefined when there is none.
   */
  async #resolveActive(waitMs: number): Promise<{ record: LeaderRecord; self: boolean } | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const st = this.#state;
      if (st.kind !== 'running') return undefined;
      const node = st.raft.storage.raftNode;
      const leader = node.leader;
      const term = node.term;
      if (leader === this.#o.nodeId && this.#core.state === 'unsealed') {
        return { record: this.#selfLeaderRecord(), self: true };
      }
      if (leader !== '' && leader !== this.#o.nodeId) {
        let record = this.#leaderCache;
        if (record === undefined || record.nodeId !== leader || record.term !== term) {
          try {
            record = await this.#o.backend.runLocal(() => readLeaderRecord(this.#core.barrier));
          } catch {
            record = undefined;
          }
          this.#leaderCache = record;
        }
        if (record !== undefined && record.nodeId === leader && record.term === term)
          return { record, self: false };
      }
      if (Date.now() >= deadline) return undefined;
      await sleep(25);
    }
  }

  #selfLeaderRecord(): LeaderRecord {
    return {
      nodeId: this.#o.nodeId,
      term: this.#activeTerm,
      apiAddr: this.#o.apiAddr,
      clusterAddr: this.#cluster.hostPort,
      activeTime: this.#activeSince,
    };
  }

  #clientFor(address: string): ForwardingClient | undefined {
    const st = this.#state;
    if (st.kind !== 'running' || address === '') return undefined;
    if (this.#client?.address === address) return this.#client;
    this.#client?.close();
    this.#client = new ForwardingClient(address, st.raft.tls, { connectTimeoutMs: 3_000 });
    return this.#client;
  }

  // ---- ClusterBackend --------------------------------------------------------------------------

  async leaderStatus(): Promise<LeaderStatus> {
    const st = this.#state;
    const status = st.kind === 'running' ? st.raft.storage.raftNode.status() : undefined;
    const indexes = { raftCommittedIndex: status?.commit ?? 0, raftAppliedIndex: status?.applied ?? 0 };
    const active = await this.#resolveActive(0);
    if (active === undefined)
      return {
        isSelf: false,
        activeTime: undefined,
        leaderAddress: '',
        leaderClusterAddress: '',
        ...indexes,
      };
    return {
      isSelf: active.self,
      activeTime: active.record.activeTime,
      leaderAddress: active.record.apiAddr,
      leaderClusterAddress: `https://${active.record.clusterAddr}`,
      ...indexes,
    };
  }

  async haStatus(): Promise<readonly HaNodeStatus[]> {
    const raft = this.#requireActive();
    const nodes: HaNodeStatus[] = [
      {
        hostname: this.#hostname,
        apiAddress: this.#o.apiAddr,
        clusterAddress: `https://${this.#cluster.hostPort}`,
        activeNode: true,
        lastEcho: undefined,
        version: CORE_VERSION,
      },
    ];
    const now = Date.now();
    const members = raft.storage.raftNode.status().config;
    for (const [id, at] of [...this.#echoes].sort(([a], [b]) => a.localeCompare(b))) {
      if (
        now - at.getTime() > ECHO_FORGET_MS ||
        (!members.voters.includes(id) && !members.learners.includes(id))
      )
        continue;
      const r = await readNodeRecord(this.#core.barrier, id);
      nodes.push({
        hostname: r?.hostname ?? '',
        apiAddress: r?.apiAddr ?? '',
        clusterAddress: r === undefined ? '' : `https://${r.clusterAddr}`,
        activeNode: false,
        lastEcho: at,
        version: CORE_VERSION,
      });
    }
    return nodes;
  }

  async stepDown(): Promise<void> {
    const raft = this.#requireActive();
    const node = raft.storage.raftNode;
    if (node.status().config.voters.length < 2) {
      this.#log.info({}, 'step-down requested, but there is no other voter: staying active');
      return;
    }
    try {
      await node.transferLeadership();
    } catch (err) {
      throw new CofferError(ErrorCode.Internal, `leadership transfer did not complete (${errorName(err)})`, {
        cause: err,
      });
    }
    this.#log.info({ leader: node.leader }, 'stepped down');
    this.#scheduleReconcile();
  }

  join(params: RaftJoinParams): Promise<void> {
    return this.#queue.run(async () => {
      this.#assertOpen();
      await this.#core.refreshBarrier();
      if (this.#state.kind === 'running' || this.#core.state !== 'uninitialized') {
        throw bad('this node is already initialized; only a new, empty node can join a cluster');
      }
      const targets: LeaderApiTarget[] =
        params.leaderApiAddr !== ''
          ? [
              {
                address: params.leaderApiAddr,
                ...(params.leaderCaCert === undefined ? {} : { caCert: params.leaderCaCert }),
                ...(params.leaderClientCert === undefined ? {} : { clientCert: params.leaderClientCert }),
                ...(params.leaderClientKey === undefined ? {} : { clientKey: params.leaderClientKey }),
                ...(params.leaderTlsServername === undefined
                  ? {}
                  : { tlsServerName: params.leaderTlsServername }),
              },
            ]
          : [...this.#o.retryJoin];
      if (targets.length === 0) throw bad('no leader_api_addr given and no retry_join stanza configured');
      const nonVoter = params.nonVoter || this.#o.retryJoinAsNonVoter;
      let last: unknown;
      for (const target of targets) {
        try {
          const join = await this.#requestChallenge(target, nonVoter);
          const previous = this.#state;
          if (previous.kind === 'joining') previous.join.collector.reset();
          this.#state = { kind: 'joining', join };
          this.#log.info(
            { leader: target.address },
            "join challenge received; unseal this node with the cluster's unseal keys",
          );
          return;
        } catch (err) {
          last = err;
          this.#log.debug({ leader: target.address, error: errorName(err) }, 'join attempt failed');
        }
      }
      if (params.retry) {
        this.startRetryJoin(targets);
        return;
      }
      throw last;
    });
  }

  /** Keeps trying to join through `targets` (default: the retry_join stanzas) until a challenge arrives or the node is initialized. */
  startRetryJoin(targets: readonly LeaderApiTarget[] = this.#o.retryJoin): void {
    if (this.#retryTimer !== undefined || targets.length === 0) return;
    const attempt = async (): Promise<void> => {
      if (this.#retryBusy) return;
      this.#retryBusy = true;
      try {
        if (this.#state.kind !== 'stopped' || this.#core.state !== 'uninitialized') {
          this.#stopRetryJoin();
          return;
        }
        for (const target of targets) {
          try {
            await this.join({
              leaderApiAddr: target.address,
              ...tlsParams(target),
              retry: false,
              nonVoter: this.#o.retryJoinAsNonVoter,
            });
            this.#stopRetryJoin();
            return;
          } catch {
            // Next target, or next round.
          }
        }
      } finally {
        this.#retryBusy = false;
      }
    };
    this.#retryTimer = setInterval(() => void attempt(), RETRY_JOIN_INTERVAL_MS);
    this.#retryTimer.unref();
    void attempt();
  }

  #stopRetryJoin(): void {
    if (this.#retryTimer !== undefined) clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  async #requestChallenge(target: LeaderApiTarget, nonVoter: boolean): Promise<PendingJoin> {
    const data = await postToLeader(target, 'sys/storage/raft/bootstrap/challenge', {
      server_id: this.#o.nodeId,
    });
    const challenge =
      typeof data['challenge'] === 'string' ? Buffer.from(data['challenge'], 'base64') : undefined;
    const sc = data['seal_config'];
    if (challenge === undefined || challenge.byteLength === 0 || typeof sc !== 'object' || sc === null) {
      throw new CofferError(ErrorCode.NoActiveNode, `the leader at ${target.address} sent no join challenge`);
    }
    const cfg = sc as Record<string, unknown>;
    const type = String(cfg['type'] ?? '');
    if (type !== 'shamir')
      throw bad(`the cluster uses the "${type}" seal; this node can only join a shamir-sealed cluster`);
    const collector = new ShareCollector({
      type,
      secretShares: Number(cfg['secret_shares']),
      secretThreshold: Number(cfg['secret_threshold']),
    });
    return { target, challenge: new Uint8Array(challenge), collector, nonVoter };
  }

  /**
   * One unseal share for a pending join. At the threshold: decrypt the challenge (proving the
   * shares are the cluster's), answer it, start raft as a learner with the TLS material the
   * leader issued, wait until the cluster's data has arrived, then unseal the barrier with the
   * combined key. The node ends a standby; the leader promotes it once caught up.
   */
  async #joinUnseal(join: PendingJoin, share: Uint8Array): Promise<void> {
    const key = await join.collector.submit(share);
    if (key === undefined) return;
    try {
      let answer: Uint8Array;
      const access = SealAccess.fromUnsealKey(key);
      try {
        answer = access.decrypt(`raft-challenge/${this.#o.nodeId}`, join.challenge);
      } catch {
        throw new BarrierError(
          'INVALID_UNSEAL_KEY',
          "the unseal keys do not decrypt the cluster's join challenge (they are not this cluster's keys)",
        );
      } finally {
        access.wipe();
      }
      let data: Record<string, unknown>;
      try {
        data = await postToLeader(join.target, 'sys/storage/raft/bootstrap/answer', {
          server_id: this.#o.nodeId,
          answer: Buffer.from(answer).toString('base64'),
          cluster_addr: this.#cluster.hostPort,
          api_addr: this.#o.apiAddr,
          hostname: this.#hostname,
          non_voter: join.nonVoter,
        });
      } catch (err) {
        // The challenge is spent (or expired): fetch a fresh one so the next attempt can succeed.
        try {
          this.#state = { kind: 'joining', join: await this.#requestChallenge(join.target, join.nonVoter) };
        } catch {
          // Keep the old state; the operator can run join again.
        }
        throw err;
      } finally {
        answer.fill(0);
      }
      const tls = clusterTlsMaterialFromJson(data['tls_keyring']);
      const peers: Record<string, string> = {};
      for (const p of Array.isArray(data['peers']) ? (data['peers'] as unknown[]) : []) {
        const peer = p as { id?: unknown; address?: unknown };
        if (typeof peer.id === 'string' && typeof peer.address === 'string' && peer.address !== '')
          peers[peer.id] = peer.address;
      }
      peers[this.#o.nodeId] = this.#cluster.hostPort;
      const index = typeof data['index'] === 'number' ? data['index'] : 0;
      this.#state = { kind: 'stopped' };
      await this.#startRaft(tls, peers, false);
      try {
        await this.#awaitCatchUp(index);
        await this.#core.unsealWithKey(key);
      } catch (err) {
        await this.#stopRaft(true);
        await this.#core.refreshBarrier().catch(() => undefined);
        throw err;
      }
      this.#log.info({}, 'joined the raft cluster and unsealed');
    } finally {
      key.fill(0);
    }
    this.#scheduleReconcile();
  }

  async #awaitCatchUp(index: number): Promise<void> {
    const deadline = Date.now() + CATCH_UP_WAIT_MS;
    for (;;) {
      const st = this.#state;
      if (st.kind !== 'running') throw new CofferError(ErrorCode.Internal, 'raft stopped while catching up');
      const fsm = st.raft.storage.fsm;
      if (
        fsm.applied >= index &&
        (await fsm.get('core/seal-config')) !== undefined &&
        (await fsm.get(CLUSTER_CA_KEY)) !== undefined
      )
        return;
      if (Date.now() > deadline)
        throw new CofferError(
          ErrorCode.NoActiveNode,
          'timed out waiting for the cluster data to reach this node',
        );
      await sleep(50);
    }
  }

  async createChallenge(serverId: string): Promise<JoinChallenge> {
    const raft = this.#requireActive();
    this.#refuseMember(raft.storage.raftNode, serverId);
    const plain = this.#challenges.create(serverId);
    const access = this.#core.barrier.sealAccess();
    try {
      const challenge = Buffer.from(access.encrypt(`raft-challenge/${serverId}`, plain)).toString('base64');
      const state = this.#core.barrier.state();
      if (state.kind === 'uninitialized') throw notActive();
      return { challenge, sealConfig: state.config };
    } finally {
      access.wipe();
      plain.fill(0);
    }
  }

  async acceptAnswer(a: JoinAnswer): Promise<JoinAccepted> {
    const raft = this.#requireActive();
    const node = raft.storage.raftNode;
    if (!this.#challenges.verify(a.serverId, a.answer))
      throw bad('the join challenge answer is wrong, already used or expired');
    this.#refuseMember(node, a.serverId);
    const address = parseClusterAddress(a.clusterAddr);
    return this.#membership.run(async () => {
      this.#refuseMember(node, a.serverId);
      const barrier = this.#core.barrier;
      const ca = await readClusterCa(barrier);
      if (ca === undefined)
        throw new CofferError(ErrorCode.Internal, 'the cluster CA is missing from storage');
      const cert = await issueNodeCertificate(ca, { nodeId: a.serverId, hosts: [address.host] });
      const tls: ClusterTlsMaterial = { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
      await writeNodeTls(barrier, a.serverId, tls);
      await writeNodeRecord(barrier, {
        nodeId: a.serverId,
        apiAddr: a.apiAddr,
        clusterAddr: address.hostPort,
        hostname: a.hostname,
        nonVoter: a.nonVoter,
      });
      if (a.nonVoter) this.#nonVoters.add(a.serverId);
      await node.addLearner(a.serverId, address.hostPort);
      this.#log.info({ peer: a.serverId, address: address.hostPort }, 'added a joining node as a non-voter');
      const status = node.status();
      return {
        peers: status.peers.map((p) => ({
          id: p.id,
          address: p.address,
          suffrage: p.voter ? ('voter' as const) : ('nonvoter' as const),
        })),
        tlsKeyring: clusterTlsMaterialToJson(tls),
        index: status.commit,
      };
    });
  }

  async configuration(): Promise<RaftConfigurationStatus> {
    const st = this.#state;
    if (st.kind !== 'running') throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
    const status = st.raft.storage.raftNode.status();
    return {
      index: status.commit,
      servers: status.peers.map((p) => ({
        nodeId: p.id,
        address: p.address,
        leader: p.id === status.leader,
        voter: p.voter,
      })),
    };
  }

  async removePeer(serverId: string): Promise<void> {
    const raft = this.#requireActive();
    const node = raft.storage.raftNode;
    if (serverId === this.#o.nodeId)
      throw bad(
        'cannot remove the active node; step it down first and remove it through the new active node',
      );
    await this.#membership.run(() => this.#removeMember(node, serverId));
    this.#log.info({ peer: serverId }, 'removed a peer');
  }

  async #removeMember(node: RaftNode, serverId: string): Promise<void> {
    const config = node.status().config;
    if (!config.voters.includes(serverId) && !config.learners.includes(serverId)) {
      throw bad(`no raft peer with id "${serverId}"`);
    }
    await node.removeNode(serverId);
    await deleteNodeRecords(this.#core.barrier, serverId);
    this.#nonVoters.delete(serverId);
    this.#echoes.delete(serverId);
  }

  async autopilotState(): Promise<Record<string, unknown>> {
    const raft = this.#requireActive();
    this.#autopilotConfig ??= await loadAutopilotConfig(this.#core.barrier);
    return this.#autopilot.state(raft.storage.raftNode.status(), this.#autopilotConfig, Date.now());
  }

  async autopilotConfig(): Promise<AutopilotConfig> {
    this.#requireActive();
    this.#autopilotConfig ??= await loadAutopilotConfig(this.#core.barrier);
    return this.#autopilotConfig ?? DEFAULT_AUTOPILOT_CONFIG;
  }

  async setAutopilotConfig(patch: Partial<AutopilotConfig>): Promise<void> {
    this.#requireActive();
    this.#autopilotConfig = await saveAutopilotConfig(this.#core.barrier, patch);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  // ---- snapshots (sys/storage/raft/snapshot) --------------------------------------------------

  /** Reads the plaintext of the cluster-local records from the local FSM (forced restore begins). */
  async #captureClusterLocal(): Promise<void> {
    if (this.#core.state !== 'unsealed' && this.#core.state !== 'standby') return;
    const barrier = this.#core.barrier;
    const out = new Map<string, Uint8Array>();
    try {
      await this.#o.backend.runLocal(async () => {
        for (const prefix of CLUSTER_LOCAL_PREFIXES) {
          const keys = prefix.endsWith('/')
            ? (await barrier.list(prefix)).filter((k) => !k.endsWith('/')).map((k) => prefix + k)
            : [prefix];
          for (const key of keys) {
            const value = await barrier.get(key);
            if (value !== undefined) out.set(key, value);
          }
        }
      });
      this.#carryOver = out;
    } catch (err) {
      this.#log.warn({ error: errorName(err) }, 'could not read the cluster records before a forced restore');
    }
  }

  /** The raft storage of this node while it is the active node; 503 otherwise. */
  activeStorage(): RaftStorage {
    return this.#requireActive().storage;
  }

  /**
   * After a restore committed through raft: re-read the keyring and rebuild the core's runtime
   * (mount tables, policies, token store and caches) from the restored state.
   */
  reloadAfterRestore(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#core.state !== 'unsealed') return;
      await this.#core.deactivate();
      await this.#core.barrier.reloadKeyring();
      await this.#core.activate();
      this.#log.info({}, 'core reloaded from the restored snapshot');
    });
  }

  #requireActive(): RaftRuntime {
    const st = this.#state;
    if (st.kind !== 'running' || this.#core.state !== 'unsealed') throw notActive();
    return st.raft;
  }

  #refuseMember(node: RaftNode, serverId: string): void {
    const c = node.status().config;
    if (c.voters.includes(serverId) || c.learners.includes(serverId)) {
      throw bad(
        `node id "${serverId}" is already a member of this raft cluster; remove it first (operator raft remove-peer ${serverId})`,
      );
    }
  }

  #assertOpen(): void {
    if (this.#state.kind === 'closed') throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
  }
}

function tlsParams(t: LeaderApiTarget): Partial<RaftJoinParams> {
  return {
    ...(t.caCert === undefined ? {} : { leaderCaCert: t.caCert }),
    ...(t.clientCert === undefined ? {} : { leaderClientCert: t.clientCert }),
    ...(t.clientKey === undefined ? {} : { leaderClientKey: t.clientKey }),
    ...(t.tlsServerName === undefined ? {} : { leaderTlsServername: t.tlsServerName }),
  };
}
