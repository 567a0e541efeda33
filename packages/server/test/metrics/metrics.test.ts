import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { CofferError } from '../../src/errors/coffer-error.js';
import type { ApiRequest } from '../../src/http/api-request.js';
import {
  Metrics,
  MetricsEndpoint,
  instrumentBarrier,
  type RaftStatusSource,
} from '../../src/metrics/index.js';
import { parsePrometheusText } from './prom-text-parser.js';

const raftStatus = (over: Partial<RaftStatusSource> = {}): RaftStatusSource => ({
  term: 7,
  commit: 42,
  applied: 41,
  lastIndex: 43,
  role: 'leader',
  metrics: {
    fsyncs: 12,
    entriesPersisted: 40,
    entriesApplied: 41,
    leaderChanges: 3,
    lastPersistMs: 2.5,
    snapshotsTaken: 1,
    snapshotsSent: 0,
    snapshotsSendFailed: 0,
    snapshotsReceived: 0,
    snapshotsInstalled: 1,
  },
  ...over,
});

const value = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const f of parsePrometheusText(text).values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
};

const apiRequest = (headers: Record<string, string> = {}): ApiRequest => ({
  requestId: 'r1',
  method: 'GET',
  url: '/v1/sys/metrics',
  headers,
  body: undefined,
  clientAddress: '127.0.0.1',
});

void describe('Metrics registry', () => {
  void it('uses its own registry, not prom-client global one', async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.observeRequest('read', 'secret/', 0.01, true);
    assert.equal((await globalRegistry.getMetricsAsJSON()).length, before);
    assert.equal(value(await a.prometheus(), 'coffer_core_requests_total', { mount: 'secret/' }), 1);
    assert.equal(value(await b.prometheus(), 'coffer_core_requests_total', { mount: 'secret/' }), undefined);
  });

  void it('counts requests and their latency by operation, mount and outcome', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.observeRequest('create', 'secret/', 0.002, true);
    m.observeRequest('create', 'secret/', 0.004, true);
    m.observeRequest('read', 'secret/', 0.001, false);
    m.observeRequest('read', '', 0.001, false);
    const text = await m.prometheus();
    assert.equal(
      value(text, 'coffer_core_requests_total', { operation: 'create', mount: 'secret/', outcome: 'ok' }),
      2,
    );
    assert.equal(
      value(text, 'coffer_core_requests_total', { operation: 'read', mount: 'secret/', outcome: 'error' }),
      1,
    );
    assert.equal(
      value(text, 'coffer_core_requests_total', { operation: 'read', mount: '', outcome: 'error' }),
      1,
    );
    assert.equal(
      value(text, 'coffer_core_request_duration_seconds_count', { operation: 'create', mount: 'secret/' }),
      2,
    );
    const sum =
      value(text, 'coffer_core_request_duration_seconds_sum', { operation: 'create', mount: 'secret/' }) ?? 0;
    assert.ok(Math.abs(sum - 0.006) < 1e-9);
    assert.equal(
      value(text, 'coffer_core_request_duration_seconds_bucket', {
        operation: 'create',
        mount: 'secret/',
        le: '+Inf',
      }),
      2,
    );
    assert.equal(parsePrometheusText(text).get('coffer_core_request_duration_seconds')?.type, 'histogram');
  });

  void it('reads seal state and raft status on scrape', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let state: 'sealed' | 'standby' | 'unsealed' | 'uninitialized' = 'sealed';
    let raft: RaftStatusSource | undefined;
    m.attachSealState(() => state);
    m.attachRaft(() => raft);
    let text = await m.prometheus();
    assert.equal(value(text, 'coffer_core_unsealed'), 0);
    assert.equal(value(text, 'coffer_core_active'), 0);
    assert.equal(value(text, 'coffer_raft_term'), 0, 'raft gauges read 0 while raft is not running');
    assert.equal(value(text, 'coffer_raft_leader_changes_total'), 0);

    state = 'standby';
    raft = raftStatus({ role: 'follower' });
    text = await m.prometheus();
    assert.equal(value(text, 'coffer_core_unsealed'), 1);
    assert.equal(value(text, 'coffer_core_active'), 0);
    assert.equal(value(text, 'coffer_raft_term'), 7);
    assert.equal(value(text, 'coffer_raft_commit_index'), 42);
    assert.equal(value(text, 'coffer_raft_applied_index'), 41);
    assert.equal(value(text, 'coffer_raft_is_leader'), 0);
    assert.equal(value(text, 'coffer_raft_leader_changes_total'), 3);
    assert.equal(value(text, 'coffer_raft_fsyncs_total'), 12);
    assert.equal(value(text, 'coffer_raft_last_persist_seconds'), 0.0025);
    assert.equal(value(text, 'coffer_raft_snapshots_installed_total'), 1);
    assert.equal(parsePrometheusText(text).get('coffer_raft_leader_changes_total')?.type, 'counter');

    state = 'unsealed';
    raft = raftStatus({ term: 8, metrics: { ...raftStatus().metrics, leaderChanges: 4 } });
    text = await m.prometheus();
    assert.equal(value(text, 'coffer_core_active'), 1);
    assert.equal(value(text, 'coffer_raft_term'), 8);
    assert.equal(value(text, 'coffer_raft_is_leader'), 1);
    assert.equal(
      value(text, 'coffer_raft_leader_changes_total'),
      4,
      'counters follow the raft node, not accumulate',
    );
  });

  void it('times barrier operations through the instance (views included), failures too', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const store = new Map<string, Uint8Array>();
    const barrier = {
      async get(key: string) {
        if (key === 'boom') throw new Error('boom');
        return store.get(key);
      },
      async put(key: string, v: Uint8Array) {
        store.set(key, v);
      },
      async delete(key: string) {
        store.delete(key);
      },
      async list() {
        return [...store.keys()];
      },
      view(prefix: string) {
        return { get: (k: string) => this.get(prefix + k) };
      },
    };
    instrumentBarrier(barrier, m);
    await barrier.put('a', new Uint8Array([1]));
    assert.deepEqual(await barrier.view('').get('a'), new Uint8Array([1]));
    await assert.rejects(barrier.get('boom'));
    await barrier.list();
    await barrier.delete('a');
    const text = await m.prometheus();
    assert.equal(value(text, 'coffer_barrier_operation_duration_seconds_count', { operation: 'get' }), 2);
    assert.equal(value(text, 'coffer_barrier_operation_duration_seconds_count', { operation: 'put' }), 1);
    assert.equal(value(text, 'coffer_barrier_operation_duration_seconds_count', { operation: 'list' }), 1);
    assert.equal(value(text, 'coffer_barrier_operation_duration_seconds_count', { operation: 'delete' }), 1);
  });

  void it('includes Node process default metrics', async () => {
    const m = new Metrics();
    const families = parsePrometheusText(await m.prometheus());
    assert.ok(families.has('process_cpu_user_seconds_total'));
    assert.ok(families.has('nodejs_heap_size_used_bytes'));
  });

  void it('renders Vault JSON sink shape', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.attachSealState(() => 'unsealed');
    m.observeRequest('create', 'secret/', 0.5, true);
    m.observeRequest('create', 'secret/', 1.5, true);
    const json = await m.json(new Date(Date.UTC(2024, 0, 2, 3, 4, 57)));
    assert.equal(json.Timestamp, '2024-01-02 03:04:50 +0000 UTC');
    assert.deepEqual(json.Points, []);
    assert.deepEqual(
      json.Gauges.find((g) => g.Name === 'coffer_core_unsealed'),
      { Name: 'coffer_core_unsealed', Value: 1, Labels: {} },
    );
    const counter = json.Counters.find((c) => c.Name === 'coffer_core_requests_total');
    assert.equal(counter?.Count, 2);
    assert.equal(counter?.Sum, 2);
    assert.deepEqual(counter?.Labels, { operation: 'create', mount: 'secret/', outcome: 'ok' });
    const sample = json.Samples.find((s) => s.Name === 'coffer_core_request_duration_seconds');
    assert.equal(sample?.Count, 2);
    assert.equal(sample?.Sum, 2);
    assert.equal(sample?.Mean, 1);
    assert.deepEqual(sample?.Labels, { operation: 'create', mount: 'secret/' }, 'no "le" label');
    for (const key of ['Name', 'Count', 'Rate', 'Sum', 'Min', 'Max', 'Mean', 'Stddev', 'Labels'])
      assert.ok(key in (sample ?? {}), key);
  });
});

void describe('MetricsEndpoint', () => {
  const endpoint = (
    over: { retention?: number; unauthenticated?: boolean; allow?: boolean } = {},
  ): { ep: MetricsEndpoint; calls: string[] } => {
    const calls: string[] = [];
    const ep = new MetricsEndpoint({
      metrics: new Metrics({ defaultMetrics: false }),
      prometheusRetentionTime: over.retention ?? 86400,
      unauthenticated: over.unauthenticated ?? false,
      authorize: async (_req, token) => {
        calls.push(token);
        if (over.allow === false) throw new CofferError('PERMISSION_DENIED' as never, 'permission denied');
        return undefined;
      },
    });
    return { ep, calls };
  };
  const q = (s: string): URLSearchParams => new URLSearchParams(s);

  void it('serves GET and HEAD on sys/metrics only', () => {
    const { ep } = endpoint();
    assert.ok(ep.handles('GET', 'sys/metrics'));
    assert.ok(ep.handles('HEAD', 'sys/metrics'));
    assert.ok(!ep.handles('POST', 'sys/metrics'));
    assert.ok(!ep.handles('GET', 'sys/metrics/x'));
  });

  void it('needs a token unless unauthenticated access is configured', async () => {
    const { ep, calls } = endpoint();
    await assert.rejects(
      ep.serve(apiRequest(), q('')),
      (e: unknown) => e instanceof CofferError && e.message === 'permission denied',
    );
    const ok = await ep.serve(apiRequest({ authorization: 'Bearer t1' }), q(''));
    assert.equal(ok.status, 200);
    assert.deepEqual(calls, ['t1']);
    const open = endpoint({ unauthenticated: true });
    assert.equal((await open.ep.serve(apiRequest(), q('format=prometheus'))).status, 200);
    assert.deepEqual(open.calls, []);
    const denied = endpoint({ allow: false });
    await assert.rejects(denied.ep.serve(apiRequest({ 'x-vault-token': 't' }), q('')));
  });

  void it('answers 400 for an unknown format and for prometheus with retention 0', async () => {
    const { ep } = endpoint();
    const bad = await ep.serve(apiRequest({ 'x-vault-token': 't' }), q('format=xml'));
    assert.equal(bad.status, 400);
    assert.match(bad.contentType ?? '', /^text\/plain/);
    const off = endpoint({ retention: 0 });
    const res = await off.ep.serve(apiRequest({ 'x-vault-token': 't' }), q('format=prometheus'));
    assert.equal(res.status, 400);
    assert.equal(res.body, 'prometheus is not enabled');
    assert.equal(
      (await off.ep.serve(apiRequest({ 'x-vault-token': 't' }), q(''))).status,
      200,
      'JSON still served',
    );
  });

  void it('serves prometheus text with its content type', async () => {
    const { ep } = endpoint();
    const res = await ep.serve(apiRequest({ 'x-vault-token': 't' }), q('format=prometheus'));
    assert.equal(res.status, 200);
    assert.match(res.contentType ?? '', /^text\/plain; version=0\.0\.4/);
    parsePrometheusText(String(res.body));
  });
});

void describe('Prometheus text parser (test helper)', () => {
  void it('parses HELP/TYPE, labels with escapes, special values and timestamps', () => {
    const families = parsePrometheusText(
      [
        '# HELP x_total A \\\\ help\\nline.',
        '# TYPE x_total counter',
        'x_total{path="a\\"b\\\\c\\nd",m="secret/"} 3 1700000000000',
        '# a comment',
        '# TYPE h histogram',
        'h_bucket{le="0.1"} 1',
        'h_bucket{le="+Inf"} 2',
        'h_sum 0.3',
        'h_count 2',
        'g NaN',
        'g2 -Inf',
        '',
      ].join('\n'),
    );
    const x = families.get('x_total');
    assert.equal(x?.help, 'A \\ help\nline.');
    assert.equal(x?.type, 'counter');
    assert.deepEqual(x?.samples[0]?.labels, { path: 'a"b\\c\nd', m: 'secret/' });
    assert.equal(families.get('h')?.samples.length, 4);
    assert.ok(Number.isNaN(families.get('g')?.samples[0]?.value));
    assert.equal(families.get('g2')?.samples[0]?.value, -Infinity);
  });

  void it('rejects malformed input', () => {
    assert.throws(() => parsePrometheusText('x{a="b} 1\n'));
    assert.throws(() => parsePrometheusText('x{a="\\q"} 1\n'));
    assert.throws(() => parsePrometheusText('x 1 2 3\n'));
    assert.throws(() => parsePrometheusText('x abc\n'));
    assert.throws(() => parsePrometheusText('# TYPE x nonsense\n'));
    assert.throws(() => parsePrometheusText('x 1'));
    assert.throws(() => parsePrometheusText('# TYPE h histogram\nh_bucket 1\n'));
  });
});
