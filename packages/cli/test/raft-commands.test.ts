import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { writeSnapshot, type SnapshotEntry, type SnapshotMeta } from '@coffer/snapshot';
import { TransferProgress } from '../src/cli/transfer-progress.js';
import { VaultClient, VaultConnectionError } from '../src/index.js';
import { MemoryIo } from './helpers/memory-io.js';
import { runInProcess, type CliRun } from './helpers/run-cli-in-process.js';
import { envelope, ScriptedServer, type RecordedRequest } from './helpers/scripted-server.js';

const META: SnapshotMeta = {
  index: 4242,
  term: 7,
  configuration: { servers: [{ id: 'node-1', address: '10.0.0.1:8201', suffrage: 'voter' }] },
  createdAt: '2025-05-06T07:08:09.123Z',
  keyringFingerprint: 'fp-0123456789abcdef',
};

const SMALL_ENTRIES: readonly SnapshotEntry[] = [
  { key: 'core/keyring', value: Buffer.alloc(100, 1) },
  { key: 'core/seal-config', value: Buffer.alloc(50, 2) },
  { key: 'logical/m1/data/a', value: Buffer.alloc(10, 3) },
  { key: 'logical/m1/data/b', value: Buffer.alloc(0) },
  { key: 'logical/m2/x', value: Buffer.alloc(1000, 4) },
  { key: 'sys/token/id/h', value: Buffer.alloc(33, 5) },
];

/** Writes a snapshot of `entries` to `path` and returns its bytes' SHA-256. */
async function buildSnapshot(
  path: string,
  entries: Iterable<SnapshotEntry> | AsyncIterable<SnapshotEntry>,
): Promise<string> {
  const result = await writeSnapshot(META, entries, createWriteStream(path));
  return result.sha256;
}

/** About `totalBytes` of snapshot entries of 64 KiB, all views of one pool (nothing accumulates). */
function* bigEntries(totalBytes: number): Generator<SnapshotEntry> {
  const pool = randomBytes(1024 * 1024);
  const size = 64 * 1024;
  for (let i = 0; i * size < totalBytes; i++) {
    const start = (i * 4099) % (pool.length - size);
    yield {
      key: `logical/big/${i.toString(16).padStart(8, '0')}`,
      value: pool.subarray(start, start + size),
    };
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A raw handler that streams `file` as the snapshot body, with its Content-Length. */
function serveFile(file: string, opts: { chunkDelayMs?: number } = {}) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { size } = await stat(file);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
    if (opts.chunkDelayMs === undefined) {
      await pipeline(createReadStream(file), res);
      return;
    }
    const delay = opts.chunkDelayMs;
    const slow = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of createReadStream(file, { highWaterMark: 256 }) as AsyncIterable<Buffer>) {
        await new Promise((r) => setTimeout(r, delay));
        yield chunk;
      }
    };
    await pipeline(Readable.from(slow()), res);
  };
}

/** A raw handler that reads the whole upload and answers 204; the bytes are kept in `into`. */
function receiveUpload(into: {
  bytes: Buffer[];
  contentType?: string | undefined;
  length?: string | undefined;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    into.contentType = req.headers['content-type'];
    into.length = req.headers['content-length'];
    for await (const chunk of req as AsyncIterable<Buffer>) into.bytes.push(chunk);
    res.writeHead(204);
    res.end();
  };
}

void describe('coffer operator raft (scripted server)', () => {
  let server: ScriptedServer;
  let other: ScriptedServer;
  let dir = '';
  let tokenFile = '';
  let smallSnap = '';
  let smallSha = '';

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    HOME: dir,
    COFFER_ADDR: server.address,
    COFFER_TOKEN_FILE: tokenFile,
    VAULT_MAX_RETRIES: '0',
    VAULT_TOKEN: 'root-tok',
    ...extra,
  });
  const run = (
    args: string[],
    opts: Parameters<typeof runInProcess>[2] & { env?: Record<string, string> } = {},
  ): Promise<CliRun> => runInProcess(args, env(opts.env ?? {}), opts);
  const only = (method: string, path: string, on: ScriptedServer = server): RecordedRequest => {
    const found = on.calls().filter((r) => r.method === method && r.path === path);
    assert.equal(
      found.length,
      1,
      `expected one ${method} ${path}, saw: ${on.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    );
    return found[0] as RecordedRequest;
  };
  /** Names in `d` (to check that no temporary file is left behind). */
  const namesIn = async (d: string): Promise<string[]> => (await readdir(d)).sort();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-cli-raft-'));
    tokenFile = join(dir, 'token');
    smallSnap = join(dir, 'small.snap');
    smallSha = await buildSnapshot(smallSnap, SMALL_ENTRIES);
  });
  beforeEach(async () => {
    await server?.stop();
    await other?.stop();
    server = new ScriptedServer();
    other = new ScriptedServer();
    await server.start();
    await other.start();
  });
  after(async () => {
    await server?.stop();
    await other?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void describe('join', () => {
    void it('posts the leader address and PEM contents (literal or @file) to the joining node, without a token', async () => {
      server.on('POST', 'sys/storage/raft/join', { body: { joined: true } });
      const caFile = join(dir, 'ca.pem');
      await writeFile(caFile, '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n');
      const r = await run([
        'operator',
        'raft',
        'join',
        `-leader-ca-cert=@${caFile}`,
        '-leader-client-cert',
        'CERT-PEM',
        '-leader-client-key=KEY-PEM',
        '-leader-tls-servername=leader.example',
        '-retry',
        '-non-voter',
        'https://10.0.0.1:8200',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const req = only('POST', 'sys/storage/raft/join');
      assert.deepEqual(req.body, {
        leader_api_addr: 'https://10.0.0.1:8200',
        retry: true,
        non_voter: true,
        leader_ca_cert: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
        leader_client_cert: 'CERT-PEM',
        leader_client_key: 'KEY-PEM',
        leader_tls_servername: 'leader.example',
      });
      assert.equal(req.headers['x-vault-token'], undefined);
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(r.stdout, 'Key       Value\n---       -----\nJoined    true\n');
    });

    void it('sends retry/non_voter false by default and prints JSON with -format=json', async () => {
      server.on('POST', 'sys/storage/raft/join', { body: { joined: true } });
      const r = await run(['operator', 'raft', 'join', '-format=json', 'http://leader:8200']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('POST', 'sys/storage/raft/join').body, {
        leader_api_addr: 'http://leader:8200',
        retry: false,
        non_voter: false,
      });
      assert.deepEqual(JSON.parse(r.stdout), { joined: true });
    });

    void it('passes the auto-join scheme and port, and refuses a bad scheme (exit 1, no request)', async () => {
      server.on('POST', 'sys/storage/raft/join', { body: { joined: true } });
      const ok = await run(['operator', 'raft', 'join', '-auto-join-scheme=http', '-auto-join-port=8300']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(only('POST', 'sys/storage/raft/join').body, {
        leader_api_addr: '',
        retry: false,
        non_voter: false,
        auto_join_scheme: 'http',
        auto_join_port: 8300,
      });
      server.requests.length = 0;
      const bad = await run(['operator', 'raft', 'join', '-auto-join-scheme=ftp', 'http://l:8200']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, "invalid scheme 'ftp'; must either be http or https\n");
      assert.equal(server.requests.length, 0);
    });

    void it('is a usage error (exit 1) for an unreadable @file or too many arguments, without contacting the server', async () => {
      const missing = await run([
        'operator',
        'raft',
        'join',
        `-leader-ca-cert=@${join(dir, 'nope.pem')}`,
        'http://l:8200',
      ]);
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr,
        /^Failed to parse leader CA certificate: error reading file .*nope\.pem: ENOENT\n$/,
      );
      const many = await run(['operator', 'raft', 'join', 'a', 'b']);
      assert.equal(many.code, 1);
      assert.match(many.stderr, /Too many arguments \(expected 0-1, got 2\)/);
      assert.equal(server.requests.length, 0);
    });

    void it('reports a failed join with exit 2', async () => {
      server.on('POST', 'sys/storage/raft/join', {
        status: 500,
        body: { errors: ['failed to join raft cluster: leader unreachable'] },
      });
      const r = await run(['operator', 'raft', 'join', 'http://l:8200']);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^Error joining the node to the Raft cluster: .*Code: 500\. Errors: \* failed to join raft cluster: leader unreachable/,
      );
      assert.equal(r.stderr.split('\n').length, 2);
    });
  });

  void describe('list-peers', () => {
    const configuration = envelope({
      config: {
        index: 0,
        servers: [
          { node_id: 'node-1', address: '10.0.0.1:8201', leader: true, voter: true, protocol_version: '3' },
          {
            node_id: 'node-22',
            address: '10.0.0.22:8201',
            leader: false,
            voter: true,
            protocol_version: '3',
          },
          { node_id: 'node-3', address: '10.0.0.3:8201', leader: false, voter: false, protocol_version: '3' },
        ],
      },
    });

    void it('prints Node, Address, State and Voter columns', async () => {
      server.on('GET', 'sys/storage/raft/configuration', { body: configuration });
      const r = await run(['operator', 'raft', 'list-peers']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [
          'Node       Address           State       Voter',
          '----       -------           -----       -----',
          'node-1     10.0.0.1:8201     leader      true',
          'node-22    10.0.0.22:8201    follower    true',
          'node-3     10.0.0.3:8201     follower    false',
          '',
        ].join('\n'),
      );
      assert.equal(only('GET', 'sys/storage/raft/configuration').headers['x-vault-token'], 'root-tok');
    });

    void it('prints the whole envelope with -format=json', async () => {
      server.on('GET', 'sys/storage/raft/configuration', { body: configuration });
      const r = await run(['operator', 'raft', 'list-peers', '-format=json']);
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as {
        request_id: string;
        data: { config: { servers: { node_id: string }[] } };
      };
      assert.equal(json.request_id, 'req-1');
      assert.deepEqual(
        json.data.config.servers.map((s) => s.node_id),
        ['node-1', 'node-22', 'node-3'],
      );
    });

    void it('exits 2 when there is no configuration, the answer has wrong types, or the server refuses', async () => {
      const none = await run(['operator', 'raft', 'list-peers']);
      assert.equal(none.code, 2);
      assert.equal(none.stderr, 'No raft cluster configuration found\n');
      server.on('GET', 'sys/storage/raft/configuration', {
        body: envelope({ config: { servers: [{ node_id: 'n', address: 'a', leader: 'yes', voter: true }] } }),
      });
      const typed = await run(['operator', 'raft', 'list-peers']);
      assert.equal(typed.code, 2);
      assert.match(
        typed.stderr,
        /^Error reading the raft cluster configuration: .*unexpected answer: data\.config\.servers\[0\]\.leader is not a boolean\n$/,
      );
      server.on('GET', 'sys/storage/raft/configuration', {
        status: 403,
        body: { errors: ['permission denied'] },
      });
      const denied = await run(['operator', 'raft', 'list-peers']);
      assert.equal(denied.code, 2);
      assert.match(denied.stderr, /Code: 403\. Errors: \* permission denied/);
    });

    void it('takes no arguments (exit 1)', async () => {
      const r = await run(['operator', 'raft', 'list-peers', 'extra']);
      assert.equal(r.code, 1);
      assert.equal(server.requests.length, 0);
    });
  });

  void describe('remove-peer', () => {
    void it('posts the server id and confirms', async () => {
      server.on('POST', 'sys/storage/raft/remove-peer', {});
      const r = await run(['operator', 'raft', 'remove-peer', 'node-3']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('POST', 'sys/storage/raft/remove-peer').body, { server_id: 'node-3' });
      assert.equal(r.stdout, 'Peer removed successfully: node-3\n');
    });

    void it('needs exactly one SERVER_ID (exit 1) and reports a refusal with exit 2', async () => {
      const none = await run(['operator', 'raft', 'remove-peer']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /Not enough arguments \(expected 1, got 0\)/);
      assert.equal(server.requests.length, 0);
      server.on('POST', 'sys/storage/raft/remove-peer', {
        status: 400,
        body: { errors: ['no server id provided'] },
      });
      const refused = await run(['operator', 'raft', 'remove-peer', 'x']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^Error removing the peer from raft cluster: .*no server id provided\n$/);
    });
  });

  void describe('autopilot', () => {
    const server1 = {
      id: 'node-1',
      name: 'node-1',
      address: '10.0.0.1:8201',
      node_status: 'alive',
      last_contact: '0s',
      last_term: 3,
      last_index: 120,
      healthy: true,
      stable_since: '2025-01-01T00:00:00Z',
      status: 'leader',
      version: '0.1.0',
      node_type: 'voter',
    };
    const server2 = {
      ...server1,
      id: 'node-2',
      name: 'node-2',
      address: '10.0.0.2:8201',
      last_contact: '516ms',
      last_index: 119,
      status: 'voter',
      meta: { zone: 'b', rack: '7' },
    };
    const server3 = {
      ...server1,
      id: 'node-3',
      name: 'node-3',
      address: '10.0.0.3:8201',
      healthy: false,
      node_status: 'left',
      status: 'non-voter',
    };
    const state = {
      healthy: true,
      failure_tolerance: 1,
      leader: 'node-1',
      voters: ['node-1', 'node-2'],
      non_voters: ['node-3'],
      optimistic_failure_tolerance: 1,
      servers: { 'node-3': server3, 'node-1': server1, 'node-2': server2 },
    };

    void it("state prints Vault's layout, servers sorted by id", async () => {
      server.on('GET', 'sys/storage/raft/autopilot/state', { body: envelope(state) });
      const r = await run(['operator', 'raft', 'autopilot', 'state']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [
          'Healthy:                      true',
          'Failure Tolerance:            1',
          'Leader:                       node-1',
          'Voters:',
          '   node-1',
          '   node-2',
          'Non Voters:',
          '   node-3',
          'Servers:',
          '   node-1',
          '      Name:            node-1',
          '      Address:         10.0.0.1:8201',
          '      Status:          leader',
          '      Node Status:     alive',
          '      Healthy:         true',
          '      Last Contact:    0s',
          '      Last Term:       3',
          '      Last Index:      120',
          '   node-2',
          '      Name:            node-2',
          '      Address:         10.0.0.2:8201',
          '      Status:          voter',
          '      Node Status:     alive',
          '      Healthy:         true',
          '      Last Contact:    516ms',
          '      Last Term:       3',
          '      Last Index:      119',
          '      Meta',
          '         "rack": "7"',
          '         "zone": "b"',
          '   node-3',
          '      Name:            node-3',
          '      Address:         10.0.0.3:8201',
          '      Status:          non-voter',
          '      Node Status:     left',
          '      Healthy:         false',
          '      Last Contact:    0s',
          '      Last Term:       3',
          '      Last Index:      120',
          '',
        ].join('\n'),
      );
    });

    void it('state prints the data as JSON, and exits 2 on a refusal', async () => {
      server.on('GET', 'sys/storage/raft/autopilot/state', { body: envelope(state) });
      const r = await run(['operator', 'raft', 'autopilot', 'state', '-format=json']);
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as typeof state;
      assert.equal(json.healthy, true);
      assert.equal(json.failure_tolerance, 1);
      assert.deepEqual(json.voters, ['node-1', 'node-2']);
      assert.equal(json.servers['node-2'].last_contact, '516ms');
      assert.equal(json.servers['node-1'].version, '0.1.0');
      server.on('GET', 'sys/storage/raft/autopilot/state', {
        status: 403,
        body: { errors: ['permission denied'] },
      });
      const denied = await run(['operator', 'raft', 'autopilot', 'state']);
      assert.equal(denied.code, 2);
      assert.match(denied.stderr, /^Error checking autopilot state: .*permission denied\n$/);
    });

    const config = {
      cleanup_dead_servers: true,
      last_contact_threshold: '10s',
      dead_server_last_contact_threshold: '24h',
      max_trailing_logs: 1000,
      min_quorum: 3,
      server_stabilization_time: '10s',
      disable_upgrade_migration: false,
    };

    void it("get-config prints a Key/Value table in Vault's order, with Go durations", async () => {
      server.on('GET', 'sys/storage/raft/autopilot/configuration', { body: envelope(config) });
      const r = await run(['operator', 'raft', 'autopilot', 'get-config']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [
          'Key                                   Value',
          '---                                   -----',
          'Cleanup Dead Servers                  true',
          'Last Contact Threshold                10s',
          'Dead Server Last Contact Threshold    24h0m0s',
          'Server Stabilization Time             10s',
          'Min Quorum                            3',
          'Max Trailing Logs                     1000',
          'Disable Upgrade Migration             false',
          '',
        ].join('\n'),
      );
      const j = await run(['operator', 'raft', 'autopilot', 'get-config', '-format=json']);
      assert.equal(j.code, 0, j.stderr);
      assert.equal(
        j.stdout,
        `${JSON.stringify(Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1))), null, 2)}\n`,
      );
    });

    void it('get-config prints nothing for a 404 (no autopilot) and exits 2 on a server error', async () => {
      const none = await run(['operator', 'raft', 'autopilot', 'get-config']);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, '');
      server.on('GET', 'sys/storage/raft/autopilot/configuration', {
        status: 400,
        body: { errors: ['bad'] },
      });
      const bad = await run(['operator', 'raft', 'autopilot', 'get-config']);
      assert.equal(bad.code, 2);
    });

    void it('set-config posts only the given settings, durations as Go strings', async () => {
      server.on('POST', 'sys/storage/raft/autopilot/configuration', {});
      const r = await run([
        'operator',
        'raft',
        'autopilot',
        'set-config',
        '-cleanup-dead-servers',
        '-last-contact-threshold=500ms',
        '-dead-server-last-contact-threshold=24h',
        '-max-trailing-logs=250',
        '-min-quorum=5',
        '-server-stabilization-time=90s',
        '-disable-upgrade-migration=false',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.deepEqual(only('POST', 'sys/storage/raft/autopilot/configuration').body, {
        cleanup_dead_servers: true,
        max_trailing_logs: 250,
        min_quorum: 5,
        last_contact_threshold: '500ms',
        dead_server_last_contact_threshold: '24h0m0s',
        server_stabilization_time: '1m30s',
        disable_upgrade_migration: false,
      });
      server.requests.length = 0;
      const one = await run(['operator', 'raft', 'autopilot', 'set-config', '-cleanup-dead-servers=false']);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(only('POST', 'sys/storage/raft/autopilot/configuration').body, {
        cleanup_dead_servers: false,
      });
    });

    void it('set-config refuses bad values (exit 1) before contacting the server, and reports a refusal with exit 2', async () => {
      const negative = await run(['operator', 'raft', 'autopilot', 'set-config', '-min-quorum=-1']);
      assert.equal(negative.code, 1);
      const badDuration = await run([
        'operator',
        'raft',
        'autopilot',
        'set-config',
        '-last-contact-threshold=soon',
      ]);
      assert.equal(badDuration.code, 1);
      assert.match(badDuration.stderr, /invalid value "soon" for flag -last-contact-threshold/);
      const args = await run(['operator', 'raft', 'autopilot', 'set-config', 'x']);
      assert.equal(args.code, 1);
      assert.equal(server.requests.length, 0);
      server.on('POST', 'sys/storage/raft/autopilot/configuration', {
        status: 400,
        body: { errors: ['min_quorum must be at least 3'] },
      });
      const refused = await run(['operator', 'raft', 'autopilot', 'set-config', '-min-quorum=1']);
      assert.equal(refused.code, 2);
      assert.match(
        refused.stderr,
        /^Error setting the autopilot configuration: .*min_quorum must be at least 3\n$/,
      );
    });
  });

  void describe('snapshot save', () => {
    void it('streams the snapshot into FILE and prints its size and SHA-256 (table and JSON)', async () => {
      server.onRaw('GET', 'sys/storage/raft/snapshot', serveFile(smallSnap));
      const out = join(dir, 'saved-a');
      await mkdir(out, { recursive: true });
      const target = join(out, 'backup.snap');
      const r = await run(['operator', 'raft', 'snapshot', 'save', target]);
      assert.equal(r.code, 0, r.stderr);
      const expected = await readFile(smallSnap);
      assert.deepEqual(await readFile(target), expected);
      assert.equal(sha256(expected), smallSha);
      assert.match(r.stdout, new RegExp(`^Size\\s+${expected.length}$`, 'm'));
      assert.match(r.stdout, new RegExp(`^SHA-256\\s+${smallSha}$`, 'm'));
      assert.match(r.stdout, /^Index\s+4242$/m);
      assert.match(r.stdout, /^Term\s+7$/m);
      assert.equal(r.stderr, '');
      assert.deepEqual(await namesIn(out), ['backup.snap']);
      assert.equal((await stat(target)).mode & 0o777, 0o600);
      assert.equal(only('GET', 'sys/storage/raft/snapshot').headers['x-vault-token'], 'root-tok');

      const j = await run(['operator', 'raft', 'snapshot', 'save', '-format=json', target]);
      assert.equal(j.code, 0, j.stderr);
      assert.deepEqual(JSON.parse(j.stdout), {
        path: target,
        bytes: expected.length,
        sha256: smallSha,
        index: 4242,
        term: 7,
      });
    });

    void it('follows one 307 to the active node (a GET: nothing to re-send)', async () => {
      other.onRaw('GET', 'sys/storage/raft/snapshot', serveFile(smallSnap));
      server.on('GET', 'sys/storage/raft/snapshot', {
        status: 307,
        headers: { Location: `${other.address}/v1/sys/storage/raft/snapshot` },
      });
      const target = join(dir, 'redirected.snap');
      const r = await run(['operator', 'raft', 'snapshot', 'save', target]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sha256(await readFile(target)), smallSha);
      only('GET', 'sys/storage/raft/snapshot', server);
      const followed = only('GET', 'sys/storage/raft/snapshot', other);
      assert.equal(followed.headers['x-vault-token'], 'root-tok');
      assert.equal(followed.headers['content-length'], undefined);
      await rm(target);
    });

    void it('does not follow a second redirect, or any with -disable-redirects (exit 2, no file)', async () => {
      const loop = { status: 307, headers: { Location: `${other.address}/v1/sys/storage/raft/snapshot` } };
      server.on('GET', 'sys/storage/raft/snapshot', loop);
      other.on('GET', 'sys/storage/raft/snapshot', {
        status: 307,
        headers: { Location: `${server.address}/v1/sys/storage/raft/snapshot` },
      });
      const out = join(dir, 'saved-loop');
      await mkdir(out, { recursive: true });
      const r = await run(['operator', 'raft', 'snapshot', 'save', join(out, 's.snap')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /too many redirects/);
      const d = await run([
        'operator',
        'raft',
        'snapshot',
        'save',
        '-disable-redirects',
        join(out, 's.snap'),
      ]);
      assert.equal(d.code, 2);
      assert.match(
        d.stderr,
        /^Error taking the snapshot: .*redirected \(307\) to http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/storage\/raft\/snapshot, and redirects are disabled\n$/,
      );
      assert.deepEqual(await namesIn(out), []);
    });

    void it('saves a 50 MB snapshot without holding it in memory', async () => {
      const big = join(dir, 'big.snap');
      const bigSha = await buildSnapshot(big, bigEntries(50 * 1024 * 1024));
      const { size } = await stat(big);
      assert.ok(size > 50 * 1024 * 1024);
      server.onRaw('GET', 'sys/storage/raft/snapshot', serveFile(big));
      const target = join(dir, 'big-copy.snap');
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 10);
      let r: CliRun;
      try {
        r = await run(['operator', 'raft', 'snapshot', 'save', '-format=json', target]);
      } finally {
        clearInterval(sampler);
      }
      assert.equal(r.code, 0, r.stderr);
      const result = JSON.parse(r.stdout) as { bytes: number; sha256: string };
      assert.equal(result.bytes, size);
      assert.equal(result.sha256, bigSha);
      const growth = peak - baseline;
      assert.ok(
        growth < 40 * 1024 * 1024,
        `RSS grew by ${(growth / 1048576).toFixed(1)} MiB while saving ${(size / 1048576).toFixed(1)} MiB`,
      );
      await rm(target);
      await rm(big);
    });

    void it('leaves no FILE and no temporary file when the connection breaks mid-way (exit 2); an existing FILE is untouched', async () => {
      const expected = await readFile(smallSnap);
      server.onRaw('GET', 'sys/storage/raft/snapshot', (_req, res) => {
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(expected.length),
        });
        res.write(expected.subarray(0, 600));
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const out = join(dir, 'saved-broken');
      await mkdir(out, { recursive: true });
      const target = join(out, 'broken.snap');
      const r = await run(['operator', 'raft', 'snapshot', 'save', target]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Error taking the snapshot: connection lost after 600 bytes: aborted\n$/);
      assert.deepEqual(await namesIn(out), []);

      await writeFile(target, 'previous snapshot');
      const again = await run(['operator', 'raft', 'snapshot', 'save', target]);
      assert.equal(again.code, 2);
      assert.equal(await readFile(target, 'utf8'), 'previous snapshot');
      assert.deepEqual(await namesIn(out), ['broken.snap']);
    });

    void it('refuses a body that is not a valid snapshot (exit 2, no file)', async () => {
      const expected = await readFile(smallSnap);
      const corrupt = Buffer.from(expected);
      corrupt[corrupt.length - 100] = (corrupt[corrupt.length - 100] as number) ^ 0xff;
      server.onRaw('GET', 'sys/storage/raft/snapshot', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(corrupt);
      });
      const out = join(dir, 'saved-corrupt');
      await mkdir(out, { recursive: true });
      const r = await run(['operator', 'raft', 'snapshot', 'save', join(out, 'c.snap')]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^Error taking the snapshot: the server sent an invalid snapshot: .*\((CHECKSUM_MISMATCH|MALFORMED)\)\n$/,
      );
      assert.deepEqual(await namesIn(out), []);
    });

    void it('reports a server refusal with exit 2 and creates nothing', async () => {
      server.on('GET', 'sys/storage/raft/snapshot', { status: 403, body: { errors: ['permission denied'] } });
      const out = join(dir, 'saved-denied');
      await mkdir(out, { recursive: true });
      const r = await run(['operator', 'raft', 'snapshot', 'save', join(out, 'd.snap')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Error taking the snapshot: .*Code: 403\. Errors: \* permission denied\n$/);
      assert.deepEqual(await namesIn(out), []);
    });

    void it('fails locally (exit 1) without contacting the server when FILE cannot be created', async () => {
      const r = await run(['operator', 'raft', 'snapshot', 'save', join(dir, 'no-such-dir', 'x.snap')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error creating .*x\.snap\.tmp-\d+: ENOENT\n$/);
      const none = await run(['operator', 'raft', 'snapshot', 'save']);
      assert.equal(none.code, 1);
      assert.equal(server.requests.length, 0);
    });

    void it('reports progress on stderr with -progress once a transfer takes over a second; -progress=false silences a terminal', async () => {
      server.onRaw('GET', 'sys/storage/raft/snapshot', serveFile(smallSnap, { chunkDelayMs: 200 }));
      const target = join(dir, 'slow.snap');
      const r = await run(['operator', 'raft', 'snapshot', 'save', '-progress', target]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^Downloading snapshot: \d+(\.\d)? (B|KiB) of 1\.\d KiB \(\d+%\), \d+s\n/);
      assert.match(r.stderr, /of 1\.\d KiB \(100%\), \d+s\n$/);
      const quiet = await run(['operator', 'raft', 'snapshot', 'save', '-progress=false', target], {
        stderrIsTTY: true,
      });
      assert.equal(quiet.stderr, '');
      server.onRaw('GET', 'sys/storage/raft/snapshot', serveFile(smallSnap));
      const fast = await run(['operator', 'raft', 'snapshot', 'save', '-progress', target]);
      assert.equal(fast.stderr, '');
      await rm(target);
    });
  });

  void describe('snapshot restore', () => {
    void it('verifies the file, then streams it as the raw body of POST sys/storage/raft/snapshot', async () => {
      const got: { bytes: Buffer[]; contentType?: string | undefined; length?: string | undefined } = {
        bytes: [],
      };
      server.onRaw('POST', 'sys/storage/raft/snapshot', receiveUpload(got));
      const r = await run(['operator', 'raft', 'snapshot', 'restore', smallSnap]);
      assert.equal(r.code, 0, r.stderr);
      const expected = await readFile(smallSnap);
      assert.deepEqual(Buffer.concat(got.bytes), expected);
      assert.equal(got.contentType, 'application/octet-stream');
      assert.equal(got.length, String(expected.length));
      const req = only('POST', 'sys/storage/raft/snapshot');
      assert.equal(req.headers['x-vault-token'], 'root-tok');
      assert.equal(
        r.stdout,
        `Success! Restored snapshot ${smallSnap} (index 4242, term 7, ${expected.length} bytes)\n`,
      );

      const j = await run(['operator', 'raft', 'snapshot', 'restore', '-format=json', smallSnap]);
      assert.deepEqual(JSON.parse(j.stdout), {
        path: smallSnap,
        bytes: expected.length,
        sha256: smallSha,
        index: 4242,
        term: 7,
        forced: false,
      });
    });

    void it('-force uses snapshot-force', async () => {
      const got: { bytes: Buffer[] } = { bytes: [] };
      server.onRaw('POST', 'sys/storage/raft/snapshot-force', receiveUpload(got));
      const r = await run(['operator', 'raft', 'snapshot', 'restore', '-force', smallSnap]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sha256(Buffer.concat(got.bytes)), smallSha);
      assert.deepEqual(
        server.calls().map((q) => `${q.method} ${q.path}`),
        ['POST sys/storage/raft/snapshot-force'],
      );
    });

    void it('re-sends the file to the active node after a 307', async () => {
      const got: { bytes: Buffer[] } = { bytes: [] };
      other.onRaw('POST', 'sys/storage/raft/snapshot', receiveUpload(got));
      server.on('POST', 'sys/storage/raft/snapshot', {
        status: 307,
        headers: { Location: `${other.address}/v1/sys/storage/raft/snapshot` },
      });
      const r = await run(['operator', 'raft', 'snapshot', 'restore', smallSnap]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(sha256(Buffer.concat(got.bytes)), smallSha);
      assert.equal(
        only('POST', 'sys/storage/raft/snapshot', other).headers['content-type'],
        'application/octet-stream',
      );
    });

    void it('refuses a corrupt snapshot file (exit 1, one line) without any request', async () => {
      const bytes = await readFile(smallSnap);
      for (const at of [3, 200, bytes.length - 10]) {
        const corrupt = Buffer.from(bytes);
        corrupt[at] = (corrupt[at] as number) ^ 0x01;
        const file = join(dir, `corrupt-${at}.snap`);
        await writeFile(file, corrupt);
        const r = await run(['operator', 'raft', 'snapshot', 'restore', file]);
        assert.equal(r.code, 1, `byte ${at}`);
        assert.match(
          r.stderr,
          /^Refusing to restore .*corrupt-\d+\.snap: not a valid snapshot: .* \([A-Z_]+\)\n$/,
        );
      }
      const truncated = join(dir, 'truncated.snap');
      await writeFile(truncated, bytes.subarray(0, bytes.length - 1));
      const t = await run(['operator', 'raft', 'snapshot', 'restore', truncated]);
      assert.equal(t.code, 1);
      assert.match(t.stderr, /\(TRUNCATED\)\n$/);
      assert.equal(server.requests.length, 0);
    });

    void it('is a usage error for a missing file or wrong arguments; a refusal by the server exits 2', async () => {
      const missing = await run(['operator', 'raft', 'snapshot', 'restore', join(dir, 'missing.snap')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^Error opening snapshot file .*missing\.snap: ENOENT\n$/);
      const folder = await run(['operator', 'raft', 'snapshot', 'restore', dir]);
      assert.equal(folder.code, 1);
      const none = await run(['operator', 'raft', 'snapshot', 'restore']);
      assert.equal(none.code, 1);
      assert.equal(server.requests.length, 0);
      server.on('POST', 'sys/storage/raft/snapshot', {
        status: 400,
        body: { errors: ['snapshot was taken under a different keyring'] },
      });
      const refused = await run(['operator', 'raft', 'snapshot', 'restore', smallSnap]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^Error installing the snapshot: .*different keyring\n$/);
    });

    void it('stops uploading when the server answers early with an error', async () => {
      const big = join(dir, 'restore-big.snap');
      await buildSnapshot(big, bigEntries(8 * 1024 * 1024));
      let received = 0;
      server.onRaw('POST', 'sys/storage/raft/snapshot', (req, res) => {
        req.once('data', (chunk: Buffer) => {
          received += chunk.length;
          res.writeHead(503, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ errors: ['Vault is sealed'] }));
          req.socket.destroySoon();
        });
      });
      const r = await run(['operator', 'raft', 'snapshot', 'restore', big]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Error installing the snapshot: .*(Code: 503|failed)/);
      assert.ok(received < 8 * 1024 * 1024);
      await rm(big);
    });
  });

  void describe('snapshot inspect', () => {
    const offline = { env: { COFFER_ADDR: 'http://127.0.0.1:1' } };

    void it('prints index, term, size, entries, creation time and counts per prefix, offline', async () => {
      const { size } = await stat(smallSnap);
      const r = await run(['operator', 'raft', 'snapshot', 'inspect', smallSnap], offline);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [
          'Key                    Value',
          '---                    -----',
          'Index                  4242',
          'Term                   7',
          `Size                   ${size}`,
          'Entries                6',
          'Blocks                 1',
          'Created                2025-05-06T07:08:09.123Z',
          'Format Version         1',
          'Keyring Fingerprint    fp-0123456789abcdef',
          `SHA-256                ${smallSha}`,
          '',
          'Prefix      Entries    Bytes',
          '------      -------    -----',
          'core/       2          178',
          'logical/    3          1056',
          'sys/        1          47',
          '',
        ].join('\n'),
      );
    });

    void it('prints JSON with -format=json', async () => {
      const r = await run(['operator', 'raft', 'snapshot', 'inspect', '-format=json', smallSnap], offline);
      assert.equal(r.code, 0, r.stderr);
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(json.index, 4242);
      assert.equal(json.term, 7);
      assert.equal(json.entries, 6);
      assert.equal(json.created_at, '2025-05-06T07:08:09.123Z');
      assert.equal(json.sha256, smallSha);
      assert.deepEqual(json.counts_by_prefix, { 'core/': 2, 'logical/': 3, 'sys/': 1 });
      assert.deepEqual(json.configuration, META.configuration);
    });

    void it('rejects a corrupt or missing file with exit 1', async () => {
      const bytes = Buffer.from(await readFile(smallSnap));
      bytes[0] = 0;
      const file = join(dir, 'bad-magic.snap');
      await writeFile(file, bytes);
      const r = await run(['operator', 'raft', 'snapshot', 'inspect', file], offline);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error inspecting snapshot .*bad-magic\.snap: .*\(BAD_MAGIC\)\n$/);
      const missing = await run(['operator', 'raft', 'snapshot', 'inspect', join(dir, 'none.snap')], offline);
      assert.equal(missing.code, 1);
    });
  });
});

void describe('VaultClient raft streaming', () => {
  let server: ScriptedServer;
  let other: ScriptedServer;

  before(async () => {
    server = new ScriptedServer();
    other = new ScriptedServer();
    await server.start();
    await other.start();
  });
  after(async () => {
    await server.stop();
    await other.stop();
  });

  void it('raftSnapshot hands back the unread body with its Content-Length and the URL that answered', async () => {
    const payload = randomBytes(200_000);
    other.onRaw('GET', 'sys/storage/raft/snapshot', (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(payload.length) });
      res.end(payload);
    });
    server.on('GET', 'sys/storage/raft/snapshot', {
      status: 307,
      headers: { Location: `${other.address}/v1/sys/storage/raft/snapshot` },
    });
    const client = new VaultClient({ address: server.address, token: 't' });
    const res = await client.raftSnapshot();
    assert.equal(res.contentLength, payload.length);
    assert.equal(res.url, `${other.address}/v1/sys/storage/raft/snapshot`);
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), payload);
  });

  void it('raftSnapshotRestore opens the body once per attempt (again after a redirect)', async () => {
    const got: { bytes: Buffer[] } = { bytes: [] };
    other.onRaw('POST', 'sys/storage/raft/snapshot-force', receiveUpload(got));
    server.on('POST', 'sys/storage/raft/snapshot-force', {
      status: 307,
      headers: { Location: `${other.address}/v1/sys/storage/raft/snapshot-force` },
    });
    let opens = 0;
    const client = new VaultClient({ address: server.address });
    await client.raftSnapshotRestore(
      () => {
        opens += 1;
        return Readable.from([Buffer.from('abc'), Buffer.from('def')]);
      },
      { force: true, size: 6 },
    );
    assert.equal(opens, 2);
    assert.equal(Buffer.concat(got.bytes).toString(), 'abcdef');
  });

  void it('reports an unreachable server as VaultConnectionError', async () => {
    const client = new VaultClient({ address: 'http://127.0.0.1:1' });
    await assert.rejects(
      client.raftSnapshot(),
      (err: unknown) => err instanceof VaultConnectionError && err.code === 'ECONNREFUSED',
    );
  });
});

void describe('TransferProgress', () => {
  const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  void it('on a terminal rewrites one line per interval and ends it when done', async () => {
    const io = new MemoryIo({ stderrIsTTY: true });
    const progress = new TransferProgress({
      io,
      label: 'Uploading snapshot',
      total: 4 * 1048576,
      enabled: true,
      intervalMs: 20,
    });
    progress.update(1048576);
    await wait(70);
    progress.update(4 * 1048576);
    progress.finish();
    const reports = io.stderr.split('\r').filter((s) => s !== '');
    assert.ok(reports.length >= 2, io.stderr);
    assert.match(reports[0] as string, /^Uploading snapshot: 1\.0 MiB of 4\.0 MiB \(25%\), 0s\u001b\[K$/);
    assert.match(
      reports[reports.length - 1] as string,
      /^Uploading snapshot: 4\.0 MiB of 4\.0 MiB \(100%\), 0s\u001b\[K\n$/,
    );
    assert.equal(io.stdout, '');
  });

  void it('prints nothing for a transfer shorter than the interval, or when disabled', async () => {
    const io = new MemoryIo({ stderrIsTTY: true });
    const quick = new TransferProgress({ io, label: 'x', enabled: true, intervalMs: 1000 });
    quick.update(10);
    quick.finish();
    const off = new TransferProgress({ io, label: 'x', enabled: false, intervalMs: 10 });
    off.update(10);
    await wait(40);
    off.finish();
    assert.equal(io.stderr, '');
  });
});
