import {
  Barrier,
  BarrierError,
  type KeyStatus,
  type PhysicalBackend,
  type Storage,
  type StorageView,
} from '@coffer/barrier';
import type { Logger } from 'pino';
import { DEFAULT_POLICY_NAME, DEFAULT_POLICY_TEXT, parsePolicy } from '../acl/index.js';
import { AuditBroker } from '../audit/audit-broker.js';
import { cubbyholeEngineFactory } from '../engines/cubbyhole/cubbyhole-engine-factory.js';
import { destroyCubbyhole } from '../engines/cubbyhole/destroy-cubbyhole.js';
import { kvEngineFactory } from '../engines/kv/kv-engine-factory.js';
import { approleEngineFactory } from '../engines/approle/index.js';
import { userpassEngineFactory } from '../engines/userpass/index.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { ExpirationManager, type LeaseTtls } from '../expiration/index.js';
import type { Engine, MountInfo } from '../logical/engine.js';
import { EngineDispatcher } from '../logical/engine-dispatcher.js';
import type { LogicalRequest, RequestAuth } from '../logical/logical-request.js';
import type { TokenEntry } from '../logical/token-entry.js';
import { PolicyStore } from '../policy/policy-store.js';
import { clearStorage } from '../router/clear-storage.js';
import { EngineRegistry } from '../router/engine-registry.js';
import {
  routerPathOf,
  storagePrefixOf,
  type MountEntry,
  type MountTableKind,
} from '../router/mount-entry.js';
import { MountTable } from '../router/mount-table.js';
import { Router, type Route } from '../router/router.js';
import { createSysEngine } from '../sys/sys-engine.js';
import type { ClusterBackend } from '../sys/cluster-backend.js';
import type {
  InitParams,
  InitResult,
  MountRequest,
  NodeStatus,
  SysBackend,
  TuneRequest,
} from '../sys/sys-backend.js';
import { SEALED_PATHS } from '../sys/sys-lifecycle-paths.js';
import { TokenStore, tokenEngineFactory } from '../tokens/index.js';
import { AclCache } from './acl-cache.js';
import { loadOrCreateClusterInfo } from './cluster-info-store.js';
import type { CoreRequest, CoreResponse, RequestHandler } from './core-request.js';
import type { CoreRuntime } from './core-runtime.js';
import type { CoreState } from './core-state.js';
import type { LifecycleDriver } from './lifecycle-driver.js';
import { defaultAuthMounts, defaultSecretMounts, newMountEntry } from './default-mounts.js';
import { runPipeline, type RequestObserver } from './request-pipeline.js';
import { TransitionQueue } from './transition-queue.js';
import type { ResponseWrapper } from '../wrapping/response-wrapper.js';
import { responseWrapperOf } from '../wrapping/response-wrapper-of.js';

export const CORE_VERSION = '1.15.0+coffer.0.1.0';
const BUILD_DATE = '2026-01-01T00:00:00Z';

/** Engine types that exist once per node and are never mounted through the API. */
const SINGLETON_TYPES = new Set(['system', 'cubbyhole', 'identity', 'token']);
/** Secret mount paths the API may not mount under or unmount. */
const PROTECTED_SECRET_PATHS = ['sys/', 'cubbyhole/', 'identity/', 'audit/', 'auth/'];

export interface CoreOptions {
  readonly backend: PhysicalBackend;
  readonly logger: Logger;
  /** Reported by seal-status (`file`, `inmem`, `raft`). */
  readonly storageType: string;
  /** Config `cluster_name`; generated at first unseal when absent. */
  readonly clusterName?: string;
  /** System TTLs in seconds (config `default_lease_ttl`, `max_lease_ttl`; default 768h). */
  readonly defaultLeaseTtl?: number;
  readonly maxLeaseTtl?: number;
  /** Engine types beyond the built-in ones (kv, cubbyhole). */
  readonly registry?: EngineRegistry;
  /**
   * HA (raft storage): unsealing leaves the node a standby; it becomes active (mount tables,
   * token store, caches) only through `activate()`, called by the HA node on leadership.
   */
  readonly ha?: boolean;
  /** Told the operation, mount, duration and outcome of every request the pipeline runs (metrics). */
  readonly requestObserver?: RequestObserver;
}

/** What `initialize` accepts beyond `sys/init`'s fields (dev mode fixes the root token). */
export interface CoreInitParams extends InitParams {
  readonly rootTokenId?: string;
  /** Runs while init holds the barrier unsealed, after the first-time data (HA: cluster TLS material). */
  readonly firstUnseal?: (storage: Storage) => Promise<void>;
}

const identityEngineFactory = {
  type: 'identity',
  create: async (): Promise<Engine> => ({ paths: [] }),
};

/**
 * The node: barrier lifecycle (init/unseal/seal), mount tables and router, policy and token
 * stores, and the request pipeline. Lifecycle and mount-table changes run one at a time
 * through a transition queue; requests read the current state without waiting.
 */
export class Core implements RequestHandler, SysBackend {
  readonly barrier: Barrier;
  readonly #logger: Logger;
  readonly #backend: PhysicalBackend;
  readonly #storageType: string;
  readonly #clusterName: string | undefined;
  readonly #defaultLeaseTtl: number;
  readonly #maxLeaseTtl: number;
  readonly #registry: EngineRegistry;
  readonly #queue = new TransitionQueue();
  readonly #sysEngine: Engine;
  readonly #sysDispatcher: EngineDispatcher;
  readonly #ha: boolean;
  readonly #requestObserver: RequestObserver | undefined;
  readonly #audit: AuditBroker;
  #driver: LifecycleDriver | undefined;
  #state: CoreState;

  private constructor(options: CoreOptions, barrier: Barrier) {
    this.barrier = barrier;
    this.#logger = options.logger;
    this.#backend = options.backend;
    this.#storageType = options.storageType;
    this.#clusterName = options.clusterName;
    this.#maxLeaseTtl = options.maxLeaseTtl ?? 768 * 3600;
    this.#defaultLeaseTtl = Math.min(options.defaultLeaseTtl ?? 768 * 3600, this.#maxLeaseTtl);
    this.#registry = options.registry ?? new EngineRegistry();
    this.#ha = options.ha ?? false;
    this.#requestObserver = options.requestObserver;
    this.#audit = new AuditBroker(this.#logger);
    if (!this.#registry.has('secret', 'kv')) this.#registry.register('secret', kvEngineFactory);
    if (!this.#registry.has('secret', 'cubbyhole')) this.#registry.register('secret', cubbyholeEngineFactory);
    if (!this.#registry.has('secret', 'identity')) this.#registry.register('secret', identityEngineFactory);
    // Auth methods mint tokens from the token store of the current unseal (a new one each time).
    const tokens = (): TokenStore => this.#runtime().tokens;
    if (!this.#registry.has('auth', 'userpass'))
      this.#registry.register('auth', userpassEngineFactory({ tokens }));
    if (!this.#registry.has('auth', 'approle')) {
      this.#registry.register('auth', approleEngineFactory({ tokens, logger: this.#logger }));
    }
    this.#sysEngine = createSysEngine(this);
    this.#sysDispatcher = new EngineDispatcher(this.#sysEngine);
    this.#state = barrier.state().kind === 'uninitialized' ? { kind: 'uninitialized' } : { kind: 'sealed' };
  }

  /** Opens the barrier over `backend`: uninitialized or sealed. */
  static async open(options: CoreOptions): Promise<Core> {
    const barrier = await Barrier.open(options.backend);
    return new Core(options, barrier);
  }

  get state(): CoreState['kind'] {
    return this.#state.kind;
  }

  /**
   * Hands init/unseal/seal to the HA node and enables the cluster `sys/` endpoints. Called once,
   * by the composition root, before the node serves requests.
   */
  attachCluster(driver: LifecycleDriver): void {
    if (this.#driver !== undefined) throw new Error('a cluster driver is already attached');
    this.#driver = driver;
  }

  /** HA and raft operations for `sys/` handlers; undefined unless storage is raft. */
  get cluster(): ClusterBackend | undefined {
    return this.#driver;
  }

  // ---- requests ----------------------------------------------------------------------------

  async handleRequest(req: CoreRequest): Promise<CoreResponse> {
    const state = this.#state;
    if (state.kind === 'unsealed')
      return runPipeline(state.runtime, req, this.#logger, this.#requestObserver, this.#audit);
    const relative = req.path.startsWith('sys/') ? req.path.slice('sys/'.length) : undefined;
    if (relative !== undefined && SEALED_PATHS.has(relative)) return this.#serveSealed(req, relative);
    if (state.kind === 'standby') throw new CofferError(ErrorCode.NoActiveNode, 'node is not active');
    throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
  }

  /** The lifecycle sys paths while sealed: no token, no ACL (they are unauthenticated). */
  async #serveSealed(req: CoreRequest, relative: string): Promise<CoreResponse> {
    const matched = this.#sysDispatcher.match(relative);
    if (matched === undefined) throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
    const logical: LogicalRequest = {
      id: req.id,
      operation: req.operation,
      fullPath: req.path,
      mountPoint: 'sys/',
      mountType: 'system',
      mountAccessor: '',
      path: relative,
      data: req.data,
      headers: req.headers,
      auth: undefined,
      clientAddress: req.clientAddress,
      storage: this.barrier.view('sys/'),
    };
    const operation = await this.#sysDispatcher.resolveOperation(logical, matched);
    const response = await this.#sysDispatcher.handle({ ...logical, operation }, matched);
    return { response, mountType: 'system' };
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  status(): NodeStatus {
    const seal = this.barrier.sealStatus();
    const kind = this.#state.kind;
    const runtime = this.#state.kind === 'unsealed' ? this.#state.runtime : undefined;
    const base: NodeStatus = {
      initialized: seal.initialized,
      sealed: kind !== 'unsealed' && kind !== 'standby',
      standby: runtime === undefined,
      seal: { type: seal.type, t: seal.t, n: seal.n, progress: seal.progress, nonce: seal.nonce },
      clusterName: this.clusterIdentity()?.name ?? '',
      clusterId: this.clusterIdentity()?.id ?? '',
      activeTime: runtime?.activeTime,
      storageType: this.#storageType,
      version: CORE_VERSION,
      buildDate: BUILD_DATE,
    };
    return this.#driver === undefined ? base : this.#driver.status(base);
  }

  /** The cluster name and id, read from storage once unsealed (standby included); undefined while sealed. */
  clusterIdentity(): { readonly name: string; readonly id: string } | undefined {
    const state = this.#state;
    if (state.kind === 'unsealed') return state.runtime.cluster;
    return state.kind === 'standby' ? this.#standbyCluster : undefined;
  }

  #standbyCluster: { readonly name: string; readonly id: string } | undefined;

  /**
   * Initializes the barrier, then (unsealed with the new shares, inside this transition)
   * writes the default mounts, the `default` policy and the root token, and seals again —
   * Vault's init leaves the node sealed.
   */
  initialize(params: CoreInitParams): Promise<InitResult> {
    return this.#driver === undefined ? this.initializeStorage(params) : this.#driver.initialize(params);
  }

  /** `initialize` on this node's storage (the HA node calls it once raft is ready for writes). */
  initializeStorage(params: CoreInitParams): Promise<InitResult> {
    return this.#queue.run(async () => {
      const { shares } = await this.barrier.initialize({
        secretShares: params.secretShares,
        secretThreshold: params.secretThreshold,
      });
      let rootToken: string;
      try {
        for (const share of shares.slice(0, params.secretThreshold))
          await this.barrier.unseal(Uint8Array.from(share));
        const runtime = await this.#setup({ firstTime: true });
        try {
          const issued = await runtime.tokens.createRootToken(
            params.rootTokenId === undefined ? {} : { id: params.rootTokenId },
          );
          rootToken = issued.clientToken;
          await params.firstUnseal?.(this.barrier);
        } finally {
          this.#teardown(runtime);
        }
      } finally {
        await this.barrier.seal();
        this.#state = { kind: 'sealed' };
      }
      this.#logger.info(
        { shares: params.secretShares, threshold: params.secretThreshold },
        'core initialized',
      );
      return { shares, rootToken };
    });
  }

  unseal(share: Uint8Array): Promise<void> {
    return this.#driver === undefined ? this.unsealBarrier(share) : this.#driver.unseal(share);
  }

  /**
   * Submits a share to the barrier. Once unsealed: a single node builds its runtime (active); an
   * HA node becomes a standby (the HA node activates it on leadership).
   */
  unsealBarrier(share: Uint8Array): Promise<void> {
    return this.#queue.run(async () => {
      const status = await this.barrier.unseal(share);
      if (status.sealed || this.#state.kind === 'unsealed' || this.#state.kind === 'standby') return;
      await this.#afterBarrierUnsealed();
    });
  }

  /** HA join: unseals the barrier with a key combined before the data arrived; the node becomes a standby. */
  unsealWithKey(unsealKey: Uint8Array): Promise<void> {
    return this.#queue.run(async () => {
      const status = await this.barrier.unsealWithKey(unsealKey);
      if (status.sealed || this.#state.kind === 'unsealed' || this.#state.kind === 'standby') return;
      await this.#afterBarrierUnsealed();
    });
  }

  async #afterBarrierUnsealed(): Promise<void> {
    if (this.#ha) {
      this.#standbyCluster = await this.#readClusterInfo();
      this.#state = { kind: 'standby' };
      this.#logger.info({}, 'core unsealed (standby)');
      return;
    }
    try {
      const runtime = await this.#setup({ firstTime: false });
      this.#state = { kind: 'unsealed', runtime };
      this.#logger.info({}, 'core unsealed');
    } catch (err) {
      this.#logger.error(
        { error_name: err instanceof Error ? err.name : typeof err },
        'post-unseal setup failed; sealing',
      );
      await this.barrier.seal();
      throw err;
    }
  }

  async #readClusterInfo(): Promise<{ name: string; id: string } | undefined> {
    try {
      const raw = await this.barrier.get('core/cluster/info');
      if (raw === undefined) return undefined;
      const json = JSON.parse(new TextDecoder().decode(raw)) as { name?: unknown; id?: unknown };
      return typeof json.name === 'string' && typeof json.id === 'string'
        ? { name: this.#clusterName ?? json.name, id: json.id }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * HA: standby → active. Builds the runtime (mount tables, policies, token store) from storage;
   * the caller has made sure this node leads raft and has applied everything committed before.
   */
  activate(): Promise<void> {
    return this.#queue.run(async () => {
      if (this.#state.kind !== 'standby') return;
      const runtime = await this.#setup({ firstTime: false });
      this.#state = { kind: 'unsealed', runtime };
      this.#logger.info({}, 'core active');
    });
  }

  /** HA: active → standby. Drops the runtime and its caches (the token store assumes a single writer). */
  deactivate(): Promise<void> {
    return this.#queue.run(async () => {
      const state = this.#state;
      if (state.kind !== 'unsealed') return;
      this.#standbyCluster = state.runtime.cluster;
      this.#state = { kind: 'standby' };
      this.#teardown(state.runtime);
      this.#logger.info({}, 'core standing by');
    });
  }

  resetUnseal(): void {
    if (this.#driver !== undefined) this.#driver.resetUnseal();
    else this.barrier.resetUnseal();
  }

  seal(): Promise<void> {
    return this.#driver === undefined ? this.sealBarrier() : this.#driver.seal();
  }

  /** Seals this node's barrier (dropping the runtime when active). */
  sealBarrier(): Promise<void> {
    return this.#queue.run(async () => {
      const state = this.#state;
      if (state.kind === 'uninitialized')
        throw new BarrierError('NOT_INITIALIZED', 'barrier is not initialized');
      if (state.kind === 'unsealed' || state.kind === 'standby') {
        this.#state = { kind: 'sealed' };
        if (state.kind === 'unsealed') this.#teardown(state.runtime);
      }
      await this.barrier.seal();
      this.#logger.info({}, 'core sealed');
    });
  }

  /**
   * HA: the barrier re-reads its seal configuration (a joining node picks up replicated data and
   * becomes sealed; a sealed node adopts the configuration a forced restore brought).
   */
  refreshBarrier(): Promise<void> {
    return this.#queue.run(async () => {
      await this.barrier.refresh();
      if (this.#state.kind === 'uninitialized' && this.barrier.state().kind !== 'uninitialized')
        this.#state = { kind: 'sealed' };
    });
  }

  /** Seals (if unsealed) and closes the physical backend. */
  async close(): Promise<void> {
    if (this.#state.kind === 'unsealed' || this.#state.kind === 'standby') await this.sealBarrier();
    await this.#queue.run(async () => this.#backend.close());
  }

  /** Builds the unsealed runtime from storage (creating first-time data when `firstTime`). */
  async #setup(opts: { firstTime: boolean }): Promise<CoreRuntime> {
    const barrier = this.barrier;
    let secretTable = await MountTable.load(barrier, 'secret');
    if (secretTable === undefined) {
      secretTable = new MountTable('secret', defaultSecretMounts());
      await secretTable.save(barrier);
    }
    let authTable = await MountTable.load(barrier, 'auth');
    if (authTable === undefined) {
      authTable = new MountTable('auth', defaultAuthMounts());
      await authTable.save(barrier);
    }
    const policies = new PolicyStore(barrier.view('sys/policy/'), (name, raw) => {
      parsePolicy(name, raw);
    });
    if (opts.firstTime || !(await policies.exists(DEFAULT_POLICY_NAME))) {
      await policies.setInternal(DEFAULT_POLICY_NAME, DEFAULT_POLICY_TEXT);
    }
    const acls = new AclCache(policies);
    const tokens = new TokenStore(barrier.view('sys/token/'), {
      defaultLeaseTtl: this.#defaultLeaseTtl,
      maxLeaseTtl: this.#maxLeaseTtl,
      policyExists: (name) => policies.exists(name),
      logger: this.#logger,
      mountTtls: (path) => this.#leaseTtlsFor(path),
    });
    const cluster = await loadOrCreateClusterInfo(barrier, this.#clusterName);
    if (!opts.firstTime) await this.#audit.load(barrier);

    const routes: Route[] = [];
    for (const entry of [...secretTable.entries, ...authTable.entries]) {
      try {
        routes.push(await this.#instantiate(entry, tokens));
      } catch (err) {
        this.#logger.error(
          {
            mount: routerPathOf(entry),
            type: entry.type,
            error_name: err instanceof Error ? err.name : typeof err,
          },
          'mount could not be started; skipping it',
        );
      }
    }
    const router = new Router(routes);
    const cubbyhole = routes.find((r) => r.entry.type === 'cubbyhole');
    const detachCubbyhole = tokens.onRevoke(async (entry) => {
      if (cubbyhole !== undefined) await destroyCubbyhole(cubbyhole.storage, entry.cubbyholeId);
    });
    // The router of the published runtime (mounts change it), else the one built here.
    const currentRouter = (): Router =>
      this.#state.kind === 'unsealed' ? this.#state.runtime.router : router;
    const expiration = new ExpirationManager({
      storage: barrier.view('sys/expire/'),
      tokens,
      engineFor: (path) => {
        const match = currentRouter().match(path);
        return match === undefined
          ? undefined
          : { engine: match.route.dispatcher.engine, storage: match.route.storage };
      },
      ttlsFor: (path) => this.#leaseTtlsFor(path, currentRouter()),
      logger: this.#logger,
    });
    const detachLeases = tokens.onRevoke((entry, saltedId) => expiration.onTokenRevoked(entry, saltedId));
    const detach = (): void => {
      detachLeases();
      detachCubbyhole();
    };
    // Expiry runs only where this runtime serves requests (not for init's throwaway runtime).
    if (!opts.firstTime) expiration.start();
    return {
      secretTable,
      authTable,
      router,
      policies,
      acls,
      tokens,
      expiration,
      cluster,
      activeTime: new Date(),
      detach,
    };
  }

  /** The effective lease TTLs of the mount serving `path` (tuned values, else the system's). */
  #leaseTtlsFor(path: string, router?: Router): LeaseTtls {
    const state = this.#state;
    const current = router ?? (state.kind === 'unsealed' ? state.runtime.router : undefined);
    const config = current?.match(path)?.route.entry.config;
    return {
      defaultLeaseTtl:
        config !== undefined && config.defaultLeaseTtl > 0 ? config.defaultLeaseTtl : this.#defaultLeaseTtl,
      maxLeaseTtl: config !== undefined && config.maxLeaseTtl > 0 ? config.maxLeaseTtl : this.#maxLeaseTtl,
    };
  }

  #teardown(runtime: CoreRuntime): void {
    runtime.expiration.stop();
    runtime.detach();
    void this.#audit.close();
    runtime.tokens.clearCache();
  }

  async #instantiate(entry: MountEntry, tokens: TokenStore): Promise<Route> {
    const mountPoint = routerPathOf(entry);
    const storage: StorageView = this.barrier.view(storagePrefixOf(entry));
    const info: MountInfo = {
      path: mountPoint,
      type: entry.type,
      accessor: entry.accessor,
      uuid: entry.uuid,
      options: entry.options ?? {},
    };
    let engine: Engine;
    if (entry.type === 'system') engine = this.#sysEngine;
    else if (entry.table === 'auth' && entry.type === 'token')
      engine = await tokenEngineFactory(tokens).create(info, storage);
    else {
      const factory = this.#registry.get(entry.table, entry.type);
      if (factory === undefined)
        throw new CofferError(ErrorCode.BadRequest, `plugin not found in the catalog: ${entry.type}`);
      engine = await factory.create(info, storage);
    }
    return { entry, mountPoint, dispatcher: new EngineDispatcher(engine), storage };
  }

  #runtime(): CoreRuntime {
    const state = this.#state;
    if (state.kind !== 'unsealed') throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
    return state.runtime;
  }

  /** Publishes a changed runtime (inside a transition, after persisting). */
  #publish(runtime: CoreRuntime): void {
    if (this.#state.kind === 'unsealed') this.#state = { kind: 'unsealed', runtime };
  }

  // ---- mounts ------------------------------------------------------------------------------

  systemTtls(): { defaultLeaseTtl: number; maxLeaseTtl: number } {
    return { defaultLeaseTtl: this.#defaultLeaseTtl, maxLeaseTtl: this.#maxLeaseTtl };
  }

  mounts(table: MountTableKind): readonly MountEntry[] {
    const runtime = this.#runtime();
    return table === 'auth' ? runtime.authTable.entries : runtime.secretTable.entries;
  }

  mountable(table: MountTableKind, type: string): boolean {
    return !SINGLETON_TYPES.has(type) && this.#registry.has(table, type);
  }

  mountFor(path: string): { entry: MountEntry; mountPoint: string } | undefined {
    const match = this.#runtime().router.match(path);
    return match === undefined ? undefined : { entry: match.route.entry, mountPoint: match.route.mountPoint };
  }

  mount(req: MountRequest): Promise<void> {
    return this.#queue.run(async () => {
      const runtime = this.#runtime();
      const mountPoint = req.table === 'auth' ? `auth/${req.path}` : req.path;
      if (req.table === 'secret') {
        for (const p of PROTECTED_SECRET_PATHS) {
          if (mountPoint.startsWith(p))
            throw new CofferError(ErrorCode.BadRequest, `cannot mount "${mountPoint}"`);
        }
      }
      for (const existing of runtime.router.routes) {
        if (existing.mountPoint.startsWith(mountPoint) || mountPoint.startsWith(existing.mountPoint)) {
          throw new CofferError(ErrorCode.BadRequest, `path is already in use at ${existing.mountPoint}`);
        }
      }
      const entry = newMountEntry({
        table: req.table,
        path: req.path,
        type: req.type,
        description: req.description,
        config: req.config,
        options: req.options,
        local: req.local,
        sealWrap: req.sealWrap,
        externalEntropyAccess: req.externalEntropyAccess,
      });
      const route = await this.#instantiate(entry, runtime.tokens);
      const tableKey = req.table === 'auth' ? 'authTable' : 'secretTable';
      const table = runtime[tableKey].with(entry);
      await table.save(this.barrier);
      this.#publish({ ...runtime, [tableKey]: table, router: runtime.router.with(route) });
      this.#logger.info({ path: mountPoint, type: entry.type }, 'mount enabled');
    });
  }

  unmount(tableKind: MountTableKind, path: string): Promise<void> {
    return this.#queue.run(async () => {
      const runtime = this.#runtime();
      const mountPoint = tableKind === 'auth' ? `auth/${path}` : path;
      if (tableKind === 'auth' && path === 'token/')
        throw new CofferError(ErrorCode.BadRequest, 'token credential backend cannot be disabled');
      if (tableKind === 'secret' && ['sys/', 'cubbyhole/', 'identity/'].includes(path)) {
        throw new CofferError(ErrorCode.BadRequest, `cannot unmount "${path}"`);
      }
      const tableKey = tableKind === 'auth' ? 'authTable' : 'secretTable';
      const entry = runtime[tableKey].find(path);
      if (entry === undefined) return;
      // Vault: the mount's leases are revoked first; a failure blocks the disable (use revoke-force).
      await runtime.expiration.revokePrefix(mountPoint, { sync: true });
      const route = runtime.router.get(mountPoint);
      const table = runtime[tableKey].without(path);
      await table.save(this.barrier);
      this.#publish({ ...runtime, [tableKey]: table, router: runtime.router.without(mountPoint) });
      if (route !== undefined) {
        await route.dispatcher.engine.cleanup?.(route.storage);
        await clearStorage(route.storage);
      }
      this.#logger.info({ path: mountPoint, type: entry.type }, 'mount disabled');
    });
  }

  tune(req: TuneRequest): Promise<void> {
    return this.#queue.run(async () => {
      const runtime = this.#runtime();
      const tableKey = req.table === 'auth' ? 'authTable' : 'secretTable';
      const entry = runtime[tableKey].find(req.path);
      if (entry === undefined)
        throw new CofferError(ErrorCode.BadRequest, `cannot tune "${req.path}": no mount at that path`);
      const c = entry.config;
      const defaultLeaseTtl = req.defaultLeaseTtl ?? c.defaultLeaseTtl;
      const maxLeaseTtl = req.maxLeaseTtl ?? c.maxLeaseTtl;
      const effectiveMax = maxLeaseTtl === 0 ? this.#maxLeaseTtl : maxLeaseTtl;
      const effectiveDefault = defaultLeaseTtl === 0 ? this.#defaultLeaseTtl : defaultLeaseTtl;
      if (maxLeaseTtl > this.#maxLeaseTtl)
        throw new CofferError(ErrorCode.BadRequest, 'given max lease TTL greater than system max lease TTL');
      if (effectiveDefault > effectiveMax)
        throw new CofferError(
          ErrorCode.BadRequest,
          'given default lease TTL greater than given max lease TTL',
        );
      let options = entry.options;
      if (req.options !== undefined) {
        const merged: Record<string, string> = { ...(entry.options ?? {}), ...req.options };
        if (entry.type === 'kv') {
          const before = entry.options?.['version'] ?? '1';
          const after =
            merged['version'] === '' || merged['version'] === undefined ? before : merged['version'];
          if (before === '2' && after !== '2')
            throw new CofferError(
              ErrorCode.BadRequest,
              'cannot downgrade mount from KV version 2 to KV version 1',
            );
          merged['version'] = after;
        }
        options = merged;
      }
      const updated: MountEntry = Object.freeze({
        ...entry,
        description: req.description ?? entry.description,
        options,
        config: Object.freeze({
          ...c,
          defaultLeaseTtl,
          maxLeaseTtl,
          listingVisibility: req.listingVisibility ?? c.listingVisibility,
          auditNonHmacRequestKeys: req.auditNonHmacRequestKeys ?? c.auditNonHmacRequestKeys,
          auditNonHmacResponseKeys: req.auditNonHmacResponseKeys ?? c.auditNonHmacResponseKeys,
          passthroughRequestHeaders: req.passthroughRequestHeaders ?? c.passthroughRequestHeaders,
          allowedResponseHeaders: req.allowedResponseHeaders ?? c.allowedResponseHeaders,
          tokenType: req.tokenType ?? c.tokenType,
        }),
      });
      const optionsChanged = JSON.stringify(entry.options) !== JSON.stringify(options);
      const mountPoint = routerPathOf(entry);
      let router = runtime.router;
      const old = router.get(mountPoint);
      if (old !== undefined) {
        // Engines see only MountInfo (options): rebuild when options change, else keep the instance.
        const route: Route = optionsChanged
          ? await this.#instantiate(updated, runtime.tokens)
          : { ...old, entry: updated };
        router = router.with(route);
      }
      const table = runtime[tableKey].with(updated);
      await table.save(this.barrier);
      this.#publish({ ...runtime, [tableKey]: table, router });
    });
  }

  async hasMountAccess(auth: RequestAuth, mountPoint: string): Promise<boolean> {
    const acl = await this.#runtime().acls.aclFor(auth.entry.policies);
    return acl.hasMountAccess(mountPoint);
  }

  // ---- policies, tokens, capabilities ----------------------------------------------------

  get policies(): PolicyStore {
    return this.#runtime().policies;
  }

  async capabilities(entry: TokenEntry, path: string): Promise<string[]> {
    const acl = await this.#runtime().acls.aclFor(entry.policies);
    return acl.capabilities(path);
  }

  lookupToken(token: string): Promise<TokenEntry | undefined> {
    return this.#runtime().tokens.lookup(token);
  }

  lookupAccessor(accessor: string): Promise<TokenEntry | undefined> {
    return this.#runtime().tokens.lookupByAccessor(accessor);
  }

  responseWrapper(): ResponseWrapper {
    return responseWrapperOf(this.#runtime());
  }

  /** The expiration manager (unsealed only): `sys/leases/*`, metrics. */
  get expiration(): ExpirationManager {
    return this.#runtime().expiration;
  }

  /** Lease and token counts for metrics; undefined unless this node is active. */
  leaseCounts(): { readonly leases: number; readonly tokens: () => Promise<number> } | undefined {
    const state = this.#state;
    if (state.kind !== 'unsealed') return undefined;
    const { expiration, tokens } = state.runtime;
    return { leases: expiration.count, tokens: () => tokens.count() };
  }

  /** The token store (unsealed only); for composition roots and tests. */
  get tokens(): TokenStore {
    return this.#runtime().tokens;
  }

  /**
   * Revokes tokens past their expiry (and with them their children and cubbyholes). Lookups
   * already refuse expired tokens; this reclaims their storage. No-op unless unsealed.
   */
  async revokeExpiredTokens(): Promise<number> {
    const state = this.#state;
    if (state.kind !== 'unsealed') return 0;
    return state.runtime.tokens.revokeExpired();
  }

  // ---- audit -------------------------------------------------------------------------------

  /** The audit devices (unsealed only). */
  get audit(): AuditBroker {
    this.#runtime();
    return this.#audit;
  }

  /** SIGHUP: reopens every audit device (log rotation). */
  async reopenAuditDevices(): Promise<void> {
    await this.#audit.reopen();
  }

  // ---- keys --------------------------------------------------------------------------------

  async rotate(): Promise<void> {
    this.#runtime();
    await this.barrier.rotate();
  }

  keyStatus(): KeyStatus {
    this.#runtime();
    return this.barrier.keyStatus();
  }
}
