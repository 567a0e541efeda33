import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the raft collector reads on each scrape (`RaftNode.status()` has this shape). */
export interface RaftStatusSource {
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly role: string;
  readonly metrics: {
    readonly fsyncs: number;
    readonly entriesPersisted: number;
    readonly entriesApplied: number;
    readonly leaderChanges: number;
    readonly lastPersistMs: number;
    readonly snapshotsTaken: number;
    readonly snapshotsSent: number;
    readonly snapshotsSendFailed: number;
    readonly snapshotsReceived: number;
    readonly snapshotsInstalled: number;
  };
}

/** Lease and token counts of the active node (`Core.leaseCounts()` has this shape). */
export interface LeaseCountSource {
  /** Leases the expiration manager knows (kept up to date; no scan). */
  readonly leases: number;
  /** Tokens in storage (the token store keeps a running count after one listing). */
  readonly tokens: () => Promise<number>;
}

/** The core's lifecycle state kind, as `Core.state` reports it. */
export type SealStateSource = () => 'uninitialized' | 'sealed' | 'standby' | 'unsealed';

export type BarrierOperation = 'get' | 'put' | 'delete' | 'list';

export interface MetricsOptions {
  /** Collect Node's process metrics (CPU, heap, event loop lag, GC). Default true. */
  readonly defaultMetrics?: boolean;
}

/** Request and barrier latencies: 0.5 ms … 10 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The per-process metrics registry (its own prom-client `Registry`, never the global one):
 * created by the composition root and handed to the pieces that record into it. Request and
 * barrier timings are recorded as they happen; seal state and raft state are read on scrape.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'operation' | 'mount' | 'outcome'>;
  readonly #requestDuration: Histogram<'operation' | 'mount'>;
  readonly #barrierDuration: Histogram<'operation'>;
  #raftAttached = false;
  #sealAttached = false;
  #leasesAttached = false;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'coffer_core_requests_total',
      help: 'Requests handled by the core, by operation, mount path and outcome (ok or error).',
      labelNames: ['operation', 'mount', 'outcome'],
      registers,
    });
    this.#requestDuration = new Histogram({
      name: 'coffer_core_request_duration_seconds',
      help: 'Time the core spent on a request (routing, token, ACL, handler), by operation and mount path.',
      labelNames: ['operation', 'mount'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#barrierDuration = new Histogram({
      name: 'coffer_barrier_operation_duration_seconds',
      help: 'Latency of barrier (encrypted storage) operations, by operation.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * One core request. `mount` is the mount point that routed it (`secret/`, `sys/`,
   * `auth/token/`), '' when none did: bounded by the mount table, never the full path.
   */
  observeRequest(operation: string, mount: string, seconds: number, ok: boolean): void {
    this.#requests.inc({ operation, mount, outcome: ok ? 'ok' : 'error' });
    this.#requestDuration.observe({ operation, mount }, seconds);
  }

  observeBarrier(operation: BarrierOperation, seconds: number): void {
    this.#barrierDuration.observe({ operation }, seconds);
  }

  /** Seal state gauges (`coffer_core_unsealed`, `coffer_core_active`), read on scrape. */
  attachSealState(state: SealStateSource): void {
    if (this.#sealAttached) throw new Error('seal state is already attached');
    this.#sealAttached = true;
    const registers = [this.registry];
    new Gauge({
      name: 'coffer_core_unsealed',
      help: '1 when the barrier is unsealed (active or standby), else 0.',
      registers,
      collect() {
        const s = state();
        this.set(s === 'unsealed' || s === 'standby' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'coffer_core_active',
      help: '1 when this node is unsealed and active (serves requests), else 0.',
      registers,
      collect() {
        this.set(state() === 'unsealed' ? 1 : 0);
      },
    });
  }

  /**
   * Lease and token counts (Vault's `vault.expire.num_leases`, `vault.token.count`), read on
   * scrape; `source` returns undefined unless the node is active (the series are then absent).
   */
  attachLeaseCounts(source: () => LeaseCountSource | undefined): void {
    if (this.#leasesAttached) throw new Error('lease counts are already attached');
    this.#leasesAttached = true;
    const registers = [this.registry];
    new Gauge({
      name: 'coffer_expire_num_leases',
      help: 'Leases (token and secret) known to the expiration manager of the active node.',
      registers,
      collect() {
        this.reset();
        const s = source();
        if (s !== undefined) this.set(s.leases);
      },
    });
    new Gauge({
      name: 'coffer_token_count',
      help: 'Tokens in the token store (active node).',
      registers,
      async collect() {
        this.reset();
        const s = source();
        if (s === undefined) return;
        try {
          this.set(await s.tokens());
        } catch {
          // sealed or stepped down mid-scrape: no sample
        }
      },
    });
  }

  /**
   * Raft state read from `RaftNode.status()` on each scrape; `source` returns undefined while
   * raft is not running (the series then read 0).
   */
  attachRaft(source: () => RaftStatusSource | undefined): void {
    if (this.#raftAttached) throw new Error('raft is already attached');
    this.#raftAttached = true;
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (s: RaftStatusSource) => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const s = source();
          if (s !== undefined) this.set(read(s));
        },
      });
    };
    const counter = (name: string, help: string, read: (s: RaftStatusSource) => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const s = source();
          if (s !== undefined) this.inc(Math.max(0, read(s)));
        },
      });
    };
    gauge('coffer_raft_term', 'Current raft term.', (s) => s.term);
    gauge('coffer_raft_commit_index', 'Highest raft log index known committed.', (s) => s.commit);
    gauge(
      'coffer_raft_applied_index',
      'Highest raft log index applied to the state machine.',
      (s) => s.applied,
    );
    gauge('coffer_raft_last_index', 'Last index in the local raft log.', (s) => s.lastIndex);
    gauge('coffer_raft_is_leader', '1 when this node is the raft leader.', (s) =>
      String(s.role).toLowerCase() === 'leader' ? 1 : 0,
    );
    gauge(
      'coffer_raft_last_persist_seconds',
      'Duration of the most recent durable raft log write (fsync).',
      (s) => s.metrics.lastPersistMs / 1000,
    );
    counter(
      'coffer_raft_leader_changes_total',
      'Leader changes observed by this node.',
      (s) => s.metrics.leaderChanges,
    );
    counter('coffer_raft_fsyncs_total', 'Durable raft log writes (fsyncs) issued.', (s) => s.metrics.fsyncs);
    counter(
      'coffer_raft_entries_persisted_total',
      'Raft log entries written durably.',
      (s) => s.metrics.entriesPersisted,
    );
    counter(
      'coffer_raft_entries_applied_total',
      'Raft log entries applied to the state machine.',
      (s) => s.metrics.entriesApplied,
    );
    counter(
      'coffer_raft_snapshots_taken_total',
      'Raft log compactions at a local snapshot point (the FSM is the snapshot: no archive is written).',
      (s) => s.metrics.snapshotsTaken,
    );
    counter(
      'coffer_raft_snapshots_sent_total',
      'Raft snapshots sent to followers.',
      (s) => s.metrics.snapshotsSent,
    );
    counter(
      'coffer_raft_snapshots_send_failed_total',
      'Raft snapshot transfers to followers that failed.',
      (s) => s.metrics.snapshotsSendFailed,
    );
    counter(
      'coffer_raft_snapshots_received_total',
      'Raft snapshots received from the leader.',
      (s) => s.metrics.snapshotsReceived,
    );
    counter(
      'coffer_raft_snapshots_installed_total',
      'Raft snapshots installed into the state machine.',
      (s) => s.metrics.snapshotsInstalled,
    );
  }

  /** Prometheus text exposition format (0.0.4). */
  async prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  get prometheusContentType(): string {
    return this.registry.contentType;
  }

  /** Vault's JSON sink shape (go-metrics `MetricsSummary`). */
  async json(now = new Date()): Promise<VaultMetricsSummary> {
    return toVaultSummary(await this.registry.getMetricsAsJSON(), now);
  }
}

export interface VaultGauge {
  readonly Name: string;
  readonly Value: number;
  readonly Labels: Readonly<Record<string, string>>;
}

export interface VaultSampled {
  readonly Name: string;
  readonly Count: number;
  readonly Rate: number;
  readonly Sum: number;
  readonly Min: number;
  readonly Max: number;
  readonly Mean: number;
  readonly Stddev: number;
  readonly Labels: Readonly<Record<string, string>>;
}

/** go-metrics' `MetricsSummary` as Vault's `sys/metrics` (JSON) returns it. */
export interface VaultMetricsSummary {
  readonly Timestamp: string;
  readonly Gauges: VaultGauge[];
  readonly Points: never[];
  readonly Counters: VaultSampled[];
  readonly Samples: VaultSampled[];
}

/** go-metrics' sink interval: counters report a per-second rate over it. */
const INTERVAL_SECONDS = 10;

interface PromJsonMetric {
  readonly name: string;
  readonly type: unknown;
  readonly values: readonly {
    readonly value: number;
    readonly labels: Readonly<Partial<Record<string, string | number>>>;
    readonly metricName?: string | undefined;
  }[];
}

function stringLabels(
  labels: Readonly<Partial<Record<string, string | number>>>,
  drop?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== drop && v !== undefined) out[k] = String(v);
  return out;
}

/** Go's `time.Time.String()` for a UTC instant, truncated to the interval as go-metrics does. */
function goTimestamp(now: Date): string {
  const t = new Date(Math.floor(now.getTime() / (INTERVAL_SECONDS * 1000)) * INTERVAL_SECONDS * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000 UTC`;
}

/**
 * Maps prom-client's JSON to Vault's: gauges → `Gauges`; counters → `Counters` (Count = Sum =
 * the counter's value, i.e. unit increments); histograms and summaries → `Samples` (Count, Sum,
 * Mean from `_count`/`_sum`; Min/Max/Stddev are not tracked by a histogram and are 0).
 */
export function toVaultSummary(metrics: readonly PromJsonMetric[], now: Date): VaultMetricsSummary {
  const summary: VaultMetricsSummary = {
    Timestamp: goTimestamp(now),
    Gauges: [],
    Points: [],
    Counters: [],
    Samples: [],
  };
  for (const m of metrics) {
    // prom-client's typings say a numeric enum; at runtime it is the type's name.
    const type =
      typeof m.type === 'number'
        ? (['counter', 'gauge', 'histogram', 'summary'][m.type] ?? '')
        : String(m.type);
    if (type === 'gauge') {
      for (const v of m.values)
        summary.Gauges.push({ Name: m.name, Value: v.value, Labels: stringLabels(v.labels) });
    } else if (type === 'counter') {
      for (const v of m.values) {
        summary.Counters.push({
          Name: m.name,
          Count: v.value,
          Rate: v.value / INTERVAL_SECONDS,
          Sum: v.value,
          Min: v.value > 0 ? 1 : 0,
          Max: v.value > 0 ? 1 : 0,
          Mean: v.value > 0 ? 1 : 0,
          Stddev: 0,
          Labels: stringLabels(v.labels),
        });
      }
    } else if (type === 'histogram' || type === 'summary') {
      const series = new Map<string, { labels: Record<string, string>; count: number; sum: number }>();
      for (const v of m.values) {
        const suffix = v.metricName?.slice(m.name.length);
        if (suffix !== '_count' && suffix !== '_sum') continue;
        const labels = stringLabels(v.labels, type === 'histogram' ? 'le' : 'quantile');
        const key = JSON.stringify(Object.entries(labels).sort());
        const s = series.get(key) ?? { labels, count: 0, sum: 0 };
        if (suffix === '_count') s.count = v.value;
        else s.sum = v.value;
        series.set(key, s);
      }
      for (const s of series.values()) {
        summary.Samples.push({
          Name: m.name,
          Count: s.count,
          Rate: s.sum / INTERVAL_SECONDS,
          Sum: s.sum,
          Min: 0,
          Max: 0,
          Mean: s.count > 0 ? s.sum / s.count : 0,
          Stddev: 0,
          Labels: s.labels,
        });
      }
    }
  }
  return summary;
}
