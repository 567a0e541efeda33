/**
 * A three-process cluster formed the way an operator does it: init + unseal the first node, then
 * `coffer operator raft join <first node>` on the others and unseal them with the cluster's keys.
 * Then the standby behaviour: forwarding, 307, health, leader, ha-status, ACL through a standby,
 * step-down, a sealed standby, and remove-peer / rejoin of a wiped node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HaCluster, eventually, runCli, type HaNodeProcess, type InitResult } from './ha-cluster.js';

let cluster: HaCluster;
let init: InitResult;
let n1: HaNodeProcess;
let n2: HaNodeProcess;
let n3: HaNodeProcess;

const token = (): string => init.rootToken;

before(async () => {
  cluster = await HaCluster.create(['n1', 'n2', 'n3']);
  [n1, n2, n3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
  await cluster.startAll();
});

after(async () => {
  await cluster.destroy();
});

void describe('formation through operator raft join', () => {
  void it('initializes the first node as a one-voter cluster that becomes active', async () => {
    init = await cluster.init(n1, 3, 2);
    assert.equal(await cluster.active(), n1);
    const leader = await n1.leader();
    assert.equal(leader['ha_enabled'], true);
    assert.equal(leader['leader_address'], n1.url);
    assert.equal(leader['leader_cluster_address'], `https://127.0.0.1:${n1.clusterPort}`);
    assert.ok((leader['raft_committed_index'] as number) > 0);
    assert.equal(leader['raft_applied_index'], leader['raft_committed_index']);
    assert.ok(
      !Number.isNaN(Date.parse(String(leader['active_time']))) &&
        leader['active_time'] !== '0001-01-01T00:00:00Z',
    );
    const mount = await n1.request('POST', 'sys/mounts/secret', {
      token: token(),
      body: { type: 'kv', options: { version: '2' } },
    });
    assert.equal(mount.status, 204, mount.text);
  });

  void it('joins the other nodes with the CLI; they are sealed until unsealed with the cluster keys', async () => {
    for (const node of [n2, n3]) {
      const res = await runCli(['operator', 'raft', 'join', n1.url], { VAULT_ADDR: node.url });
      assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
      assert.match(res.stdout, /Joined\s+true/);
      const status = (await node.request('GET', 'sys/seal-status')).body;
      assert.equal(status?.['initialized'], true);
      assert.equal(status?.['sealed'], true);
      assert.equal(status?.['t'], 2);
      assert.equal(status?.['n'], 3);
      // One share: progress, still sealed.
      const first = await node.unseal([init.keys[1] as string]);
      assert.equal(first.body?.['progress'], 1);
      assert.equal(first.body?.['sealed'], true);
      const second = await node.unseal([init.keys[2] as string]);
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body?.['sealed'], false);
      assert.equal(
        second.body?.['cluster_id'],
        (await n1.request('GET', 'sys/seal-status')).body?.['cluster_id'],
      );
    }
    await cluster.awaitVoters(n1, token(), ['n1', 'n2', 'n3']);
    const peers = await runCli(['operator', 'raft', 'list-peers'], {
      VAULT_ADDR: n2.url,
      VAULT_TOKEN: token(),
    });
    assert.equal(peers.code, 0, peers.stderr);
    for (const id of ['n1', 'n2', 'n3'])
      assert.match(peers.stdout, new RegExp(`${id}\\s+127\\.0\\.0\\.1:\\d+\\s+(leader|follower)\\s+true`));
  });

  void it('makes a write through any node visible through every node', async () => {
    for (const [i, writer] of [n1, n2, n3].entries()) {
      const put = await writer.request('POST', `secret/data/from-${writer.id}`, {
        token: token(),
        body: { data: { i } },
      });
      assert.equal(put.status, 200, put.text);
    }
    for (const reader of [n1, n2, n3]) {
      for (const [i, writer] of [n1, n2, n3].entries()) {
        const got = await reader.request('GET', `secret/data/from-${writer.id}`, { token: token() });
        assert.equal(got.status, 200, got.text);
        assert.deepEqual((got.body?.['data'] as { data: unknown }).data, { i });
      }
    }
  });

  void it('answers health, leader and ha-status on standbys as Vault does', async () => {
    const health = await n2.request('GET', 'sys/health');
    assert.equal(health.status, 429);
    assert.equal(health.body?.['standby'], true);
    assert.equal((await n2.request('GET', 'sys/health?standbyok=true')).status, 200);
    assert.equal((await n1.request('GET', 'sys/health')).status, 200);
    const leader = await n2.leader();
    assert.equal(leader['is_self'], false);
    assert.equal(leader['leader_address'], n1.url);
    await eventually('ha-status to list three nodes', 15_000, async () => {
      const res = await n3.request('GET', 'sys/ha-status', { token: token() });
      const nodes = res.body?.['nodes'] as { api_address: string; active_node: boolean }[] | undefined;
      if (nodes?.length !== 3) return undefined;
      assert.deepEqual(
        nodes.filter((n) => n.active_node).map((n) => n.api_address),
        [n1.url],
      );
      return true;
    });
  });

  void it('redirects with 307 on X-Vault-No-Request-Forwarding and for snapshots', async () => {
    const res = await n3.request('GET', 'secret/data/from-n1?version=1', {
      token: token(),
      headers: { 'X-Vault-No-Request-Forwarding': 'true' },
    });
    assert.equal(res.status, 307);
    assert.equal(res.headers.location, `${n1.url}/v1/secret/data/from-n1?version=1`);
    const snap = await n2.request('GET', 'sys/storage/raft/snapshot', { token: token() });
    assert.equal(snap.status, 307);
    assert.equal(snap.headers.location, `${n1.url}/v1/sys/storage/raft/snapshot`);
  });

  void it('applies the ACL of a limited token through a standby (403 forwarded, not 5xx)', async () => {
    const policy = await n2.request('PUT', 'sys/policies/acl/reader', {
      token: token(),
      body: { policy: 'path "secret/data/from-n1" { capabilities = ["read"] }' },
    });
    assert.equal(policy.status, 204, policy.text);
    const created = await n3.request('POST', 'auth/token/create', {
      token: token(),
      body: { policies: ['reader'] },
    });
    assert.equal(created.status, 200, created.text);
    const limited = (created.body?.['auth'] as { client_token: string }).client_token;
    assert.equal((await n3.request('GET', 'secret/data/from-n1', { token: limited })).status, 200);
    const denied = await n3.request('POST', 'secret/data/from-n1', {
      token: limited,
      body: { data: { x: 1 } },
    });
    assert.equal(denied.status, 403, denied.text);
    assert.deepEqual(denied.body?.['errors'], ['permission denied']);
    assert.equal((await n2.request('GET', 'secret/data/from-n2', { token: limited })).status, 403);
    assert.equal((await n2.request('GET', 'secret/data/from-n2', { token: 'hvs.not-a-token' })).status, 403);
  });

  void it('reports autopilot state and configuration (snake_case, Go durations) through the CLI', async () => {
    const env = { VAULT_ADDR: n3.url, VAULT_TOKEN: token() };
    const state = await n3.request('GET', 'sys/storage/raft/autopilot/state', { token: token() });
    assert.equal(state.status, 200, state.text);
    const data = state.body?.['data'] as {
      healthy: boolean;
      failure_tolerance: number;
      leader: string;
      voters: string[];
      servers: Record<string, { last_contact: string; status: string }>;
    };
    assert.equal(data.leader, 'n1');
    assert.deepEqual([...data.voters].sort(), ['n1', 'n2', 'n3']);
    assert.equal(data.failure_tolerance, 1);
    assert.match(data.servers['n2']?.last_contact ?? '', /^\d+(\.\d+)?(ms|s|µs)$/);
    assert.equal(data.servers['n1']?.status, 'leader');
    const cli = await runCli(['operator', 'raft', 'autopilot', 'state'], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Healthy/);
    const before = await n2.request('GET', 'sys/storage/raft/autopilot/configuration', { token: token() });
    assert.deepEqual(before.body?.['data'], {
      cleanup_dead_servers: false,
      last_contact_threshold: '10s',
      dead_server_last_contact_threshold: '24h0m0s',
      max_trailing_logs: 1000,
      min_quorum: 3,
      server_stabilization_time: '10s',
      disable_upgrade_migration: false,
    });
    const set = await runCli(
      [
        'operator',
        'raft',
        'autopilot',
        'set-config',
        '-cleanup-dead-servers=true',
        '-min-quorum=3',
        '-dead-server-last-contact-threshold=1h',
      ],
      env,
    );
    assert.equal(set.code, 0, `${set.stdout}${set.stderr}`);
    const after = await n1.request('GET', 'sys/storage/raft/autopilot/configuration', { token: token() });
    assert.equal((after.body?.['data'] as Record<string, unknown>)['cleanup_dead_servers'], true);
    assert.equal(
      (after.body?.['data'] as Record<string, unknown>)['dead_server_last_contact_threshold'],
      '1h0m0s',
    );
    const refused = await n1.request('POST', 'sys/storage/raft/autopilot/configuration', {
      token: token(),
      body: { min_quorum: 1 },
    });
    assert.equal(refused.status, 400, 'cleanup never runs with min_quorum below 3');
    const reset = await n1.request('POST', 'sys/storage/raft/autopilot/configuration', {
      token: token(),
      body: { cleanup_dead_servers: false },
    });
    assert.equal(reset.status, 204, reset.text);
  });

  void it('steps down: another node becomes active and keeps serving every write', async () => {
    const res = await runCli(['operator', 'step-down'], { VAULT_ADDR: n2.url, VAULT_TOKEN: token() });
    assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
    const next = await cluster.active();
    assert.notEqual(next, n1);
    const put = await n1.request('POST', 'secret/data/after-step-down', {
      token: token(),
      body: { data: { ok: true } },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal((await next.request('GET', 'secret/data/after-step-down', { token: token() })).status, 200);
  });

  void it('seals a standby: it answers 503 while the others keep serving', async () => {
    const active = await cluster.active();
    const standby = [n1, n2, n3].find((n) => n !== active) as HaNodeProcess;
    const refused = await standby.request('PUT', 'sys/seal', { token: 'hvs.not-a-token' });
    assert.equal(refused.status, 403);
    const sealed = await standby.request('PUT', 'sys/seal', { token: token() });
    assert.equal(sealed.status, 204, sealed.text);
    const read = await standby.request('GET', 'secret/data/from-n1', { token: token() });
    assert.equal(read.status, 503);
    assert.deepEqual(read.body?.['errors'], ['Vault is sealed']);
    assert.equal((await standby.request('GET', 'sys/health')).status, 503);
    assert.equal((await active.request('GET', 'secret/data/from-n1', { token: token() })).status, 200);
    const unsealed = await standby.unseal(init.keys.slice(0, 2));
    assert.equal(unsealed.body?.['sealed'], false);
    await eventually('the unsealed standby to forward again', 15_000, async () =>
      (await standby.request('GET', 'secret/data/from-n1', { token: token() })).status === 200
        ? true
        : undefined,
    );
  });

  void it('refuses to rejoin a wiped node under its old id until the id is removed', async () => {
    const active = await cluster.active();
    const victim = [n1, n2, n3].find((n) => n !== active) as HaNodeProcess;
    await victim.kill();
    await victim.wipe();
    await victim.start();
    const refused = await victim.request('POST', 'sys/storage/raft/join', {
      body: { leader_api_addr: active.url },
    });
    assert.equal(refused.status, 400, refused.text);
    assert.match(String((refused.body?.['errors'] as string[])[0]), /already a member/);

    const removed = await runCli(['operator', 'raft', 'remove-peer', victim.id], {
      VAULT_ADDR: active.url,
      VAULT_TOKEN: token(),
    });
    assert.equal(removed.code, 0, `${removed.stdout}${removed.stderr}`);
    const remaining = [n1, n2, n3].filter((n) => n !== victim).map((n) => n.id);
    await cluster.awaitVoters(active, token(), remaining);

    const joined = await victim.request('POST', 'sys/storage/raft/join', {
      body: { leader_api_addr: active.url },
    });
    assert.equal(joined.status, 200, joined.text);
    const unsealed = await victim.unseal(init.keys.slice(1, 3));
    assert.equal(unsealed.body?.['sealed'], false, unsealed.text);
    await cluster.awaitVoters(active, token(), ['n1', 'n2', 'n3']);
    const got = await victim.request('GET', 'secret/data/after-step-down', { token: token() });
    assert.equal(got.status, 200, got.text);
  });
});
