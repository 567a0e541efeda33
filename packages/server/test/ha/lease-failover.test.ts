/**
 * Leases survive a SIGKILL of the active node: a three-process raft cluster; a token (8 s TTL)
 * and a userpass login token (8 s) are created on the active node, which is killed right away.
 * The new active node restores the leases (`sys/leases/lookup` shows them before expiry), the
 * tokens keep working until their TTL, and are revoked within [TTL, TTL + 10 s].
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HaCluster, eventually, type HaNodeProcess, type InitResult } from './ha-cluster.js';

const TTL_MS = 8_000;
/** Failover plus expiry slack allowed after the TTL. */
const BOUND_MS = 10_000;

let cluster: HaCluster;
let init: InitResult;

before(async () => {
  cluster = await HaCluster.create(['l1', 'l2', 'l3'], {}, (_node, all) => all.map((n) => n.url));
  await cluster.startAll();
  const [l1, l2, l3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
  init = await cluster.init(l1, 1, 1);
  for (const node of [l2, l3]) {
    await eventually(`${node.id} to receive its join challenge`, 20_000, async () => {
      const s = (await node.request('GET', 'sys/seal-status')).body;
      return s?.['initialized'] === true ? true : undefined;
    });
    const res = await node.unseal(init.keys);
    assert.equal(res.body?.['sealed'], false, res.text);
  }
  await cluster.awaitVoters(l1, init.rootToken, ['l1', 'l2', 'l3']);
});

after(async () => {
  await cluster.destroy();
});

async function tokenWorks(node: HaNodeProcess, token: string): Promise<boolean | undefined> {
  try {
    const res = await node.request('GET', 'auth/token/lookup-self', { token });
    if (res.status === 200) return true;
    if (res.status === 403) return false;
    return undefined; // no active node yet
  } catch {
    return undefined;
  }
}

async function leaseIds(node: HaNodeProcess, prefix: string): Promise<string[]> {
  const res = await node.request('LIST', `sys/leases/lookup/${prefix}`, { token: init.rootToken });
  if (res.status === 404) return [];
  assert.equal(res.status, 200, res.text);
  return (res.body?.['data'] as { keys: string[] }).keys.map((k) => `${prefix}${k}`);
}

async function leaseStatus(node: HaNodeProcess, leaseId: string): Promise<number> {
  const res = await node.request('PUT', 'sys/leases/lookup', {
    token: init.rootToken,
    body: { lease_id: leaseId },
  });
  return res.status;
}

void describe('lease expiry across failover', () => {
  void it('the new active node revokes leases created on the killed one within [TTL, TTL + 10 s]', async () => {
    const root = init.rootToken;
    const active = await cluster.active();
    assert.equal(
      (await active.request('POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } })).status,
      204,
    );
    assert.equal(
      (
        await active.request('POST', 'auth/userpass/users/dave', {
          token: root,
          body: { password: 'pw-123456', token_ttl: '8s', token_policies: 'default' },
        })
      ).status,
      204,
    );

    const created = Date.now();
    const tok = await active.request('POST', 'auth/token/create', {
      token: root,
      body: { ttl: '8s', policies: ['default'] },
    });
    assert.equal(tok.status, 200, tok.text);
    const login = await active.request('POST', 'auth/userpass/login/dave', {
      body: { password: 'pw-123456' },
    });
    assert.equal(login.status, 200, login.text);
    const tokens = [tok, login].map((r) => (r.body?.['auth'] as { client_token: string }).client_token);
    const leases = [
      ...(await leaseIds(active, 'auth/token/create/')),
      ...(await leaseIds(active, 'auth/userpass/login/dave/')),
    ];
    assert.equal(leases.length, 2, leases.join(','));

    await active.kill();
    const killedAt = Date.now() - created;
    const survivors = cluster.nodes.filter((n) => n !== active);
    const next = await cluster.active(15_000, survivors);
    const activeAfter = Date.now() - created;

    // Before the TTL: both tokens work and the new active node knows both leases.
    if (Date.now() - created < TTL_MS - 1_000) {
      for (const t of tokens) assert.equal(await tokenWorks(next, t), true, 'token revoked before its TTL');
      for (const id of leases)
        assert.equal(await leaseStatus(next, id), 200, `lease ${id} missing on the new active node`);
    } else {
      assert.fail(`failover took too long to check before expiry (active after ${activeAfter} ms)`);
    }

    // Revoked (token refused, lease gone) within [TTL, TTL + bound].
    const revokedAt: number[] = [];
    for (const [i, t] of tokens.entries()) {
      await eventually(`token ${i} revoked`, TTL_MS + BOUND_MS, async () =>
        (await tokenWorks(next, t)) === false ? true : undefined,
      );
      await eventually(`lease ${leases[i] ?? ''} gone`, TTL_MS + BOUND_MS, async () => {
        for (const id of leases) if ((await leaseStatus(next, id)) !== 400) return undefined;
        return true;
      });
      revokedAt.push(Date.now() - created);
    }
    for (const at of revokedAt) {
      assert.ok(at >= TTL_MS - 200, `revoked after ${at} ms, before the TTL`);
      assert.ok(at <= TTL_MS + BOUND_MS, `revoked after ${at} ms`);
    }
    // The lease records are deleted, not just unreadable.
    await eventually('lease records deleted', 5_000, async () => {
      const left = [
        ...(await leaseIds(next, 'auth/token/create/')),
        ...(await leaseIds(next, 'auth/userpass/login/dave/')),
      ].filter((id) => leases.includes(id));
      return left.length === 0 ? true : undefined;
    });
    console.log(
      `killed at ${killedAt} ms, new active at ${activeAfter} ms, revoked at ${revokedAt.join('/')} ms (TTL ${TTL_MS} ms)`,
    );
  });
});
