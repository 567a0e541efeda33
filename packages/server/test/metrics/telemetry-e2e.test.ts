/**
 * The top-level `telemetry { unauthenticated_metrics_access = true }` stanza on a real server:
 * `sys/metrics` answers without a token (JSON and Prometheus, the latter also chosen by a
 * scraper's `Accept` header), while a server without it refuses a token-less scrape.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';
import { parsePrometheusText } from './prom-text-parser.js';

let open: ServerProcess | undefined;
let closed: ServerProcess | undefined;

before(async () => {
  [open, closed] = await Promise.all([
    startServer({
      configExtra:
        'telemetry {\n  unauthenticated_metrics_access = true\n  prometheus_retention_time = "1h"\n  disable_hostname = true\n}',
    }),
    startServer({}),
  ]);
  await Promise.all([open.initAndUnseal(1, 1), closed.initAndUnseal(1, 1)]);
});
after(async () => {
  for (const s of [open, closed]) {
    if (s === undefined) continue;
    await s.stop();
    await removeDir(s.dir);
  }
});

void describe('e2e telemetry stanza', () => {
  void it('unauthenticated_metrics_access = true at top level: sys/metrics without a token', async () => {
    const s = open as ServerProcess;
    const json = await s.request('GET', 'sys/metrics');
    assert.equal(json.status, 200, json.text);
    assert.ok(Array.isArray(json.body?.['Gauges']));
    const prom = await s.request('GET', 'sys/metrics?format=prometheus');
    assert.equal(prom.status, 200, prom.text);
    assert.ok(parsePrometheusText(prom.text).size > 0);
  });

  void it('a Prometheus Accept header (OpenMetrics first) selects the Prometheus format', async () => {
    const s = open as ServerProcess;
    const res = await s.request('GET', 'sys/metrics', {
      headers: { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.ok(parsePrometheusText(res.text).size > 0);
  });

  void it('without it, a scrape with no token is refused', async () => {
    const res = await (closed as ServerProcess).request('GET', 'sys/metrics?format=prometheus');
    assert.equal(res.status, 403, res.text);
  });
});
