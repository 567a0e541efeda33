import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, type ServerConfig } from '../../src/config/index.js';

const MINIMAL = 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n';

function configError(text: string, format: 'hcl' | 'json' = 'hcl'): ConfigError {
  try {
    parseConfig(text, 'server.hcl', format);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected the configuration to be rejected:\n${text}`);
}

void describe('parseConfig', () => {
  void it('fills in every default', () => {
    const config = parseConfig(MINIMAL, 'server.hcl');
    const expected: ServerConfig = {
      file: 'server.hcl',
      storage: { type: 'inmem' },
      listeners: [
        {
          type: 'tcp',
          address: '127.0.0.1:8200',
          clusterAddress: '127.0.0.1:8201',
          tlsDisable: true,
          tlsCertFile: undefined,
          tlsKeyFile: undefined,
          maxRequestSize: 33554432,
          unauthenticatedMetricsAccess: false,
        },
      ],
      apiAddr: undefined,
      clusterAddr: undefined,
      clusterName: undefined,
      ui: false,
      logLevel: 'info',
      defaultLeaseTtl: 2764800,
      maxLeaseTtl: 2764800,
      disableMlock: false,
      telemetry: {
        prometheusRetentionTime: 86400,
        disableHostname: false,
        unauthenticatedMetricsAccess: false,
      },
    };
    assert.deepEqual(config, expected);
  });

  void it('parses a full raft configuration', () => {
    const config = parseConfig(
      `
storage "raft" {
  path    = "/var/lib/coffer"
  node_id = "node1"
  performance_multiplier = "1"
  snapshot_threshold = 100
  trailing_logs = "200"
  snapshot_interval = "30s"
  max_entry_size = 2097152
  retry_join_as_non_voter = "false"
  retry_join {
    leader_api_addr         = "https://node2:8200"
    leader_ca_cert_file     = "/tls/ca.pem"
    leader_client_cert_file = "/tls/client.pem"
    leader_client_key_file  = "/tls/client-key.pem"
    leader_tls_servername   = "coffer.internal"
  }
  retry_join {
    leader_api_addr = "https://node3:8200"
  }
}
listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:9201"
  tls_cert_file   = "/tls/server.pem"
  tls_key_file    = "/tls/server-key.pem"
  max_request_size = "1048576"
}
api_addr     = "https://node1:8200"
cluster_addr = "https://node1:8201"
cluster_name = "prod"
ui = true
log_level = "WARNING"
default_lease_ttl = "1h"
max_lease_ttl = "24h"
disable_mlock = true
telemetry {
  prometheus_retention_time = "12h"
  disable_hostname = true
  unauthenticated_metrics_access = "true"
}
`,
      'raft.hcl',
    );
    assert.deepEqual(config.storage, {
      type: 'raft',
      path: '/var/lib/coffer',
      nodeId: 'node1',
      retryJoin: [
        {
          leaderApiAddr: 'https://node2:8200',
          leaderCaCertFile: '/tls/ca.pem',
          leaderClientCertFile: '/tls/client.pem',
          leaderClientKeyFile: '/tls/client-key.pem',
          leaderTlsServername: 'coffer.internal',
          leaderCaCert: undefined,
          leaderClientCert: undefined,
          leaderClientKey: undefined,
        },
        {
          leaderApiAddr: 'https://node3:8200',
          leaderCaCertFile: undefined,
          leaderClientCertFile: undefined,
          leaderClientKeyFile: undefined,
          leaderTlsServername: undefined,
          leaderCaCert: undefined,
          leaderClientCert: undefined,
          leaderClientKey: undefined,
        },
      ],
      performanceMultiplier: 1,
      snapshotThreshold: 100,
      trailingLogs: 200,
      snapshotInterval: 30,
      maxEntrySize: 2097152,
      retryJoinAsNonVoter: false,
    });
    assert.deepEqual(config.listeners, [
      {
        type: 'tcp',
        address: '0.0.0.0:8200',
        clusterAddress: '0.0.0.0:9201',
        tlsDisable: false,
        tlsCertFile: '/tls/server.pem',
        tlsKeyFile: '/tls/server-key.pem',
        maxRequestSize: 1048576,
        unauthenticatedMetricsAccess: false,
      },
    ]);
    assert.equal(config.apiAddr, 'https://node1:8200');
    assert.equal(config.clusterAddr, 'https://node1:8201');
    assert.equal(config.clusterName, 'prod');
    assert.equal(config.ui, true);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.defaultLeaseTtl, 3600);
    assert.equal(config.maxLeaseTtl, 86400);
    assert.equal(config.disableMlock, true);
    assert.deepEqual(config.telemetry, {
      prometheusRetentionTime: 43200,
      disableHostname: true,
      unauthenticatedMetricsAccess: true,
    });
  });

  void it('defaults raft tuning values and maps performance_multiplier 0 to 5', () => {
    const config = parseConfig(
      'storage "raft" { path = "/d" performance_multiplier = 0 }\nlistener "tcp" { tls_disable = true }\ncluster_addr = "https://n:8201"',
      's.hcl',
    );
    assert.ok(config.storage.type === 'raft');
    assert.equal(config.storage.performanceMultiplier, 5);
    assert.equal(config.storage.snapshotThreshold, 8192);
    assert.equal(config.storage.trailingLogs, 10000);
    assert.equal(config.storage.nodeId, undefined);
    assert.deepEqual(config.storage.retryJoin, []);
  });

  void it('accepts booleans as Vault does: true/false, "true"/"false", "1"/"0", numbers', () => {
    const tls = (v: string): boolean =>
      parseConfig(`storage "inmem" {}\nlistener "tcp" { tls_disable = ${v} }`, 's.hcl').listeners[0]
        ?.tlsDisable ?? false;
    for (const v of ['true', '"true"', '"1"', '1', '"t"', '"TRUE"']) assert.equal(tls(v), true, v);
    assert.equal(parseConfig(MINIMAL + 'ui = "0"', 's.hcl').ui, false);
    assert.equal(parseConfig(MINIMAL + 'ui = "false"', 's.hcl').ui, false);
    assert.match(configError(MINIMAL + 'ui = "yes"').reason, /"ui" must be a boolean/);
  });

  void it('accepts several listeners, and storage "file"', () => {
    const config = parseConfig(
      'storage "file" { path = "/data" }\nlistener "tcp" { address = "127.0.0.1:8200" tls_disable = true }\nlistener "tcp" { address = "[::1]:8300" tls_disable = true }',
      's.hcl',
    );
    assert.deepEqual(config.storage, { type: 'file', path: '/data' });
    assert.deepEqual(
      config.listeners.map((l) => [l.address, l.clusterAddress]),
      [
        ['127.0.0.1:8200', '127.0.0.1:8201'],
        ['[::1]:8300', '[::1]:8301'],
      ],
    );
  });

  void it('reads the listener telemetry block (Vault puts unauthenticated_metrics_access there)', () => {
    const config = parseConfig(
      'storage "inmem" {}\nlistener "tcp" {\n tls_disable = true\n telemetry { unauthenticated_metrics_access = true }\n}',
      's.hcl',
    );
    assert.equal(config.listeners[0]?.unauthenticatedMetricsAccess, true);
  });

  void it('reads JSON with the same meaning, in both Vault JSON shapes for repeated blocks', () => {
    const fromJson = parseConfig(
      JSON.stringify({
        storage: {
          raft: {
            path: '/d',
            node_id: 'n1',
            retry_join: [{ leader_api_addr: 'https://a:8200' }, { leader_api_addr: 'https://b:8200' }],
          },
        },
        listener: [
          { tcp: { address: '0.0.0.0:8200', tls_disable: 'true' } },
          { tcp: { address: '0.0.0.0:8300', tls_disable: true } },
        ],
        cluster_addr: 'https://n1:8201',
        default_lease_ttl: '10m',
        max_lease_ttl: 3600,
      }),
      'server.json',
      'json',
    );
    const fromHcl = parseConfig(
      `storage "raft" {
  path = "/d"
  node_id = "n1"
  retry_join { leader_api_addr = "https://a:8200" }
  retry_join { leader_api_addr = "https://b:8200" }
}
listener "tcp" { address = "0.0.0.0:8200" tls_disable = "true" }
listener "tcp" { address = "0.0.0.0:8300" tls_disable = true }
cluster_addr = "https://n1:8201"
default_lease_ttl = "10m"
max_lease_ttl = 3600`,
      'server.json',
    );
    assert.deepEqual(fromJson, fromHcl);
    const single = parseConfig(
      '{"storage": {"inmem": {}}, "listener": {"tcp": {"tls_disable": true}}}',
      's.json',
      'json',
    );
    assert.equal(single.listeners.length, 1);
  });

  void it('treats a document starting with "{" as JSON, as HCL1 does', () => {
    assert.equal(
      parseConfig('{"storage": {"inmem": {}}, "listener": {"tcp": {"tls_disable": true}}}', 's.hcl').storage
        .type,
      'inmem',
    );
  });

  void it('applies Vault environment overrides only when passed in', () => {
    const text = 'storage "raft" { path = "/d" node_id = "a" }\nlistener "tcp" { tls_disable = true }\n';
    const config = parseConfig(text, 's.hcl', 'hcl', {
      env: {
        VAULT_API_ADDR: 'https://api:8200',
        VAULT_CLUSTER_ADDR: 'https://cluster:8201',
        VAULT_RAFT_PATH: '/env/path',
        VAULT_RAFT_NODE_ID: 'env-node',
      },
    });
    assert.equal(config.apiAddr, 'https://api:8200');
    assert.equal(config.clusterAddr, 'https://cluster:8201');
    assert.ok(config.storage.type === 'raft');
    assert.equal(config.storage.path, '/env/path');
    assert.equal(config.storage.nodeId, 'env-node');
    const bad = (() => {
      try {
        parseConfig(MINIMAL, 's.hcl', 'hcl', { env: { VAULT_API_ADDR: 'nope' } });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.ok(bad instanceof ConfigError);
    assert.equal(bad.file, '<env VAULT_API_ADDR>');
  });

  void describe('rejects bad configurations with file:line:column', () => {
    const cases: [string, string, number, number, RegExp][] = [
      ['unknown top-level key', MINIMAL + 'bogus = 1', 3, 1, /unknown key "bogus" at the top level/],
      ['misspelt key', MINIMAL + 'api_adr = "https://x:8200"', 3, 1, /did you mean "api_addr"/],
      [
        'unsupported Vault key',
        MINIMAL + 'seal "transit" {}',
        3,
        1,
        /"seal" is a Vault setting that Coffer does not support/,
      ],
      [
        'unknown listener key',
        'storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  adress = "x"\n}',
        4,
        3,
        /unknown key "adress" in listener "tcp" \(did you mean "address"\?\)/,
      ],
      [
        'unknown storage type',
        'storage "consul" {}\nlistener "tcp" { tls_disable = true }',
        1,
        9,
        /unsupported storage type "consul"/,
      ],
      [
        'unknown listener type',
        'storage "inmem" {}\nlistener "unix" {}',
        2,
        10,
        /unsupported listener type "unix"/,
      ],
      ['no storage', 'listener "tcp" { tls_disable = true }', 1, 1, /storage block is required/],
      ['no listener', 'storage "inmem" {}', 1, 1, /at least one listener/],
      [
        'two storage blocks',
        'storage "inmem" {}\nstorage "file" { path = "/x" }\nlistener "tcp" { tls_disable = true }',
        2,
        9,
        /only one storage block/,
      ],
      ['storage without a type', 'storage {\n  path = "/x"\n}', 2, 3, /needs a type label/],
      [
        'TLS without certificate',
        'storage "inmem" {}\nlistener "tcp" {\n  address = "0.0.0.0:8200"\n}',
        2,
        10,
        /tls_cert_file/,
      ],
      [
        'TLS with only a cert',
        'storage "inmem" {}\nlistener "tcp" { tls_cert_file = "/c.pem" }',
        2,
        10,
        /tls_key_file/,
      ],
      [
        'bad boolean',
        'storage "inmem" {}\nlistener "tcp" { tls_disable = "maybe" }',
        2,
        32,
        /"tls_disable" must be a boolean/,
      ],
      [
        'bad address',
        'storage "inmem" {}\nlistener "tcp" { tls_disable = true\naddress = "localhost" }',
        3,
        11,
        /must be host:port/,
      ],
      [
        'port out of range',
        'storage "inmem" {}\nlistener "tcp" { tls_disable = true\naddress = "1.2.3.4:70000" }',
        3,
        11,
        /host:port/,
      ],
      ['same address twice', MINIMAL + 'listener "tcp" { tls_disable = true }', 3, 10, /already used/],
      [
        'bad max_request_size',
        'storage "inmem" {}\nlistener "tcp" { tls_disable = true\nmax_request_size = "big" }',
        3,
        20,
        /must be an integer/,
      ],
      ['bad log level', MINIMAL + 'log_level = "loud"', 3, 13, /unknown log_level "loud"/],
      [
        'bad duration',
        MINIMAL + 'default_lease_ttl = "10 minutes"',
        3,
        21,
        /default_lease_ttl.*unknown unit " minutes"/,
      ],
      ['negative duration', MINIMAL + 'max_lease_ttl = "-1h"', 3, 17, /negative/],
      [
        'default above max',
        MINIMAL + 'default_lease_ttl = "800h"',
        3,
        21,
        /cannot be larger than max_lease_ttl/,
      ],
      [
        'default above explicit max',
        MINIMAL + 'max_lease_ttl = "1h"\ndefault_lease_ttl = "2h"',
        4,
        21,
        /cannot be larger/,
      ],
      [
        'api_addr not a URL',
        MINIMAL + 'api_addr = "node1:8200"',
        3,
        12,
        /must be an http:\/\/ or https:\/\/ URL/,
      ],
      [
        'cluster_addr bad scheme',
        MINIMAL + 'cluster_addr = "tcp://n:8201"',
        3,
        16,
        /http:\/\/ or https:\/\//,
      ],
      [
        'raft without cluster_addr',
        'storage "raft" { path = "/d" }\nlistener "tcp" { tls_disable = true }',
        1,
        9,
        /requires "cluster_addr"/,
      ],
      [
        'raft without path',
        'storage "raft" {}\nlistener "tcp" { tls_disable = true }\ncluster_addr = "https://n:8201"',
        1,
        9,
        /requires "path"/,
      ],
      [
        'file without path',
        'storage "file" {}\nlistener "tcp" { tls_disable = true }',
        1,
        9,
        /requires "path"/,
      ],
      [
        'inmem with a setting',
        'storage "inmem" { path = "/x" }',
        1,
        19,
        /unknown key "path" in storage "inmem"/,
      ],
      [
        'performance_multiplier too high',
        'storage "raft" { path = "/d"\nperformance_multiplier = 11 }',
        2,
        26,
        /at most 10/,
      ],
      [
        'retry_join without leader',
        'storage "raft" {\n  path = "/d"\n  retry_join {\n    leader_tls_servername = "x"\n  }\n}',
        3,
        14,
        /leader_api_addr/,
      ],
      [
        'retry_join auto_join',
        'storage "raft" { path = "/d"\nretry_join { auto_join = "provider=aws" } }',
        2,
        14,
        /unknown key "auto_join"/,
      ],
      [
        'retry_join bad URL',
        'storage "raft" { path = "/d"\nretry_join { leader_api_addr = "node2" } }',
        2,
        32,
        /full URL/,
      ],
      ['empty node_id', 'storage "raft" { path = "/d" node_id = "" }', 1, 40, /must not be empty/],
      ['two telemetry blocks', MINIMAL + 'telemetry {}\ntelemetry {}', 4, 1, /only one telemetry block/],
      [
        'unknown telemetry key',
        MINIMAL + 'telemetry { statsd_address = "x" }',
        3,
        13,
        /unknown key "statsd_address" in telemetry/,
      ],
      ['string where a block belongs', MINIMAL + 'telemetry = "x"', 3, 13, /must be a block/],
      ['list where a string belongs', MINIMAL + 'cluster_name = ["a"]', 3, 16, /must be a string/],
      ['HCL syntax error', 'storage "inmem" {\n', 2, 1, /invalid HCL: .*expected "}"/],
    ];
    for (const [what, text, line, column, reason] of cases) {
      void it(what, () => {
        const err = configError(text);
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.deepEqual([err.file, err.line, err.column], ['server.hcl', line, column], err.message);
        assert.match(err.reason, reason);
        assert.equal(err.message, `server.hcl:${line}:${column}: ${err.reason}`);
      });
    }

    void it('JSON errors carry JSON positions', () => {
      const err = configError(
        '{\n  "storage": {"inmem": {}},\n  "listener": {"tcp": {"tls_disable": "nope"}}\n}',
        'json',
      );
      assert.deepEqual([err.line, err.column], [3, 39]);
      const syntax = configError('{"storage": }', 'json');
      assert.match(syntax.reason, /invalid JSON/);
      assert.deepEqual([syntax.line, syntax.column], [1, 13]);
    });
  });
});
