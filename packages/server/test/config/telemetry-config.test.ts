import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const MINIMAL = 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n';

function rejects(text: string, message: RegExp): void {
  assert.throws(
    () => parseConfig(text, 'server.hcl', 'hcl'),
    (err: unknown) => err instanceof ConfigError && message.test(err.message),
  );
}

void describe('parseConfig: the telemetry stanza', () => {
  void it('defaults: Prometheus kept 24h, hostname not disabled, metrics need a token', () => {
    assert.deepEqual(parseConfig(MINIMAL, 'server.hcl').telemetry, {
      prometheusRetentionTime: 86_400,
      disableHostname: false,
      unauthenticatedMetricsAccess: false,
    });
  });

  void it('reads every key; retention as a duration string or seconds; 0 disables Prometheus', () => {
    const a = parseConfig(
      `${MINIMAL}telemetry {\n  prometheus_retention_time = "30m"\n  disable_hostname = true\n  unauthenticated_metrics_access = true\n}`,
      'server.hcl',
    );
    assert.deepEqual(a.telemetry, {
      prometheusRetentionTime: 1800,
      disableHostname: true,
      unauthenticatedMetricsAccess: true,
    });
    const b = parseConfig(`${MINIMAL}telemetry { prometheus_retention_time = 0 }`, 'server.hcl');
    assert.equal(b.telemetry.prometheusRetentionTime, 0);
    const c = parseConfig(`${MINIMAL}telemetry { prometheus_retention_time = "0s" }`, 'server.hcl');
    assert.equal(c.telemetry.prometheusRetentionTime, 0);
  });

  void it('reads the JSON form', () => {
    const config = parseConfig(
      JSON.stringify({
        storage: { inmem: {} },
        listener: { tcp: { tls_disable: true } },
        telemetry: { prometheus_retention_time: '1h', disable_hostname: true },
      }),
      'server.json',
      'json',
    );
    assert.equal(config.telemetry.prometheusRetentionTime, 3600);
    assert.equal(config.telemetry.disableHostname, true);
    assert.equal(config.telemetry.unauthenticatedMetricsAccess, false);
  });

  void it('rejects bad values and unknown keys with positions', () => {
    rejects(`${MINIMAL}telemetry { prometheus_retention_time = "soon" }`, /soon|duration/);
    rejects(`${MINIMAL}telemetry { disable_hostname = "maybe" }`, /maybe|bool/);
    rejects(`${MINIMAL}telemetry { unauthenticated_metrics_access = "perhaps" }`, /perhaps|bool/);
    rejects(`${MINIMAL}telemetry { prometheus_retention = "1h" }`, /unknown key "prometheus_retention"/);
  });
});
