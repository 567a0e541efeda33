import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, startServer, type HttpResult, type ServerProcess } from '../e2e/harness.js';
import { parsePrometheusText, type PromSample } from './prom-text-parser.js';

const ROOT = 'metrics-root-token';
let dev: ServerProcess;
let configured: ServerProcess;
let configuredRoot = '';

const samples = (text: string, name: string): PromSample[] => {
  const out: PromSample[] = [];
  for (const f of parsePrometheusText(text).values())
    for (const s of f.samples) if (s.name === name) out.push(s);
  return out;
};

async function tokenWith(server: ServerProcess, root: string, policies: string[]): Promise<string> {
  const res = await server.request('POST', 'auth/token/create', { token: root, body: { policies } });
  assert.equal(res.status, 200, res.text);
  return (res.body?.['auth'] as Record<string, unknown>)['client_token'] as string;
}

const errors = (res: HttpResult): unknown => res.body?.['errors'];

before(async () => {
  dev = await startServer({ dev: { rootTokenId: ROOT } });
  configured = await startServer({
    listenerExtra: 'telemetry {\n  unauthenticated_metrics_access = true\n}',
    configExtra: 'telemetry {\n  prometheus_retention_time = "0s"\n  disable_hostname = true\n}',
  });
  ({ rootToken: configuredRoot } = await configured.initAndUnseal(1, 1));
});
after(async () => {
  await dev.stop();
  await configured.stop();
  await removeDir(dev.dir);
  await removeDir(configured.dir);
});

void describe('e2e sys/metrics (dev server)', () => {
  void it('serves parseable Prometheus text with request counts by KV mount and the seal gauge', async () => {
    for (const key of ['a', 'b', 'c']) {
      const res = await dev.request('POST', `secret/data/${key}`, {
        token: ROOT,
        body: { data: { v: key } },
      });
      assert.equal(res.status, 200, res.text);
    }
    assert.equal((await dev.request('GET', 'secret/data/a', { token: ROOT })).status, 200);
    // curl -H "Authorization: Bearer …" …/v1/sys/metrics?format=prometheus
    const res = await dev.request('GET', 'sys/metrics?format=prometheus', {
      headers: { Authorization: `Bearer ${ROOT}` },
    });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(res.text);
    assert.equal(families.get('coffer_core_requests_total')?.type, 'counter');
    assert.ok((families.get('coffer_core_requests_total')?.help ?? '') !== '');
    // The root token may both create and update, and no audit device is enabled: the existence
    // check is moot and skipped, so KV v2 writes count as updates (see existenceCheckMoot).
    const writes = samples(res.text, 'coffer_core_requests_total').find(
      (s) =>
        s.labels['mount'] === 'secret/' && s.labels['operation'] === 'update' && s.labels['outcome'] === 'ok',
    );
    assert.equal(writes?.value, 3);
    const reads = samples(res.text, 'coffer_core_requests_total').find(
      (s) => s.labels['mount'] === 'secret/' && s.labels['operation'] === 'read',
    );
    assert.equal(reads?.value, 1);
    for (const s of samples(res.text, 'coffer_core_requests_total')) {
      assert.ok(
        !String(s.labels['mount']).includes('data/'),
        'mount label is the mount path, never the full path',
      );
    }
    assert.equal(families.get('coffer_core_request_duration_seconds')?.type, 'histogram');
    assert.ok(
      samples(res.text, 'coffer_core_request_duration_seconds_bucket').some(
        (s) => s.labels['mount'] === 'secret/' && s.labels['le'] === '+Inf',
      ),
    );
    assert.equal(samples(res.text, 'coffer_core_unsealed')[0]?.value, 1);
    assert.equal(samples(res.text, 'coffer_core_active')[0]?.value, 1);
    assert.ok(
      (samples(res.text, 'coffer_barrier_operation_duration_seconds_count').find(
        (s) => s.labels['operation'] === 'put',
      )?.value ?? 0) >= 3,
    );
    assert.ok(families.has('process_cpu_user_seconds_total'));
    assert.ok(families.has('nodejs_eventloop_lag_seconds'));
  });

  void it('answers JSON (Vault sink shape) by default', async () => {
    const res = await dev.request('GET', 'sys/metrics', { token: ROOT });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.body ?? {};
    assert.deepEqual(Object.keys(body).sort(), ['Counters', 'Gauges', 'Points', 'Samples', 'Timestamp']);
    assert.match(String(body['Timestamp']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    const gauges = body['Gauges'] as { Name: string; Value: number; Labels: Record<string, string> }[];
    assert.deepEqual(
      gauges.find((g) => g.Name === 'coffer_core_unsealed'),
      { Name: 'coffer_core_unsealed', Value: 1, Labels: {} },
    );
    const counters = body['Counters'] as { Name: string; Count: number; Labels: Record<string, string> }[];
    assert.ok(
      counters.some(
        (c) => c.Name === 'coffer_core_requests_total' && c.Labels['mount'] === 'secret/' && c.Count >= 1,
      ),
    );
    const sampled = body['Samples'] as Record<string, unknown>[];
    const latency = sampled.find((s) => s['Name'] === 'coffer_core_request_duration_seconds');
    for (const key of ['Count', 'Rate', 'Sum', 'Min', 'Max', 'Mean', 'Stddev', 'Labels'])
      assert.ok(latency !== undefined && key in latency, key);
  });

  void it('answers 400 text/plain for an unknown format', async () => {
    const res = await dev.request('GET', 'sys/metrics?format=statsd', { token: ROOT });
    assert.equal(res.status, 400);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.equal(res.text, 'metric response format "statsd" unknown');
  });

  void it('needs a token with read on sys/metrics: none or bad → 403, policy-granted → 200', async () => {
    const none = await dev.request('GET', 'sys/metrics?format=prometheus');
    assert.equal(none.status, 403);
    assert.deepEqual(errors(none), ['permission denied']);
    const bad = await dev.request('GET', 'sys/metrics', { token: 'not-a-token' });
    assert.equal(bad.status, 403);
    const defaultOnly = await tokenWith(dev, ROOT, ['default']);
    assert.equal((await dev.request('GET', 'sys/metrics', { token: defaultOnly })).status, 403);
    const put = await dev.request('PUT', 'sys/policies/acl/metrics', {
      token: ROOT,
      body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' },
    });
    assert.ok(put.status === 204 || put.status === 200, put.text);
    const reader = await tokenWith(dev, ROOT, ['metrics']);
    const ok = await dev.request('GET', 'sys/metrics?format=prometheus', { token: reader });
    assert.equal(ok.status, 200, ok.text);
    parsePrometheusText(ok.text);
  });
});

void describe('e2e sys/metrics (telemetry configured)', () => {
  void it('prometheus_retention_time = 0 → 400 "prometheus is not enabled"; JSON still served', async () => {
    const res = await configured.request('GET', 'sys/metrics?format=prometheus', { token: configuredRoot });
    assert.equal(res.status, 400);
    assert.equal(res.text, 'prometheus is not enabled');
    assert.equal((await configured.request('GET', 'sys/metrics', { token: configuredRoot })).status, 200);
  });

  void it('unauthenticated_metrics_access on the listener: no token needed', async () => {
    const res = await configured.request('GET', 'sys/metrics');
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.body?.['Gauges']));
  });
});
