/**
 * A three-process cluster formed by `retry_join` (the nodes only need the first node initialized
 * and every node unsealed), then SIGKILL of the active node while a client keeps writing through
 * a standby: a standby takes over and accepts writes within 10 s, every acknowledged write stays
 * readable, and the killed node restarts, unseals, catches up and can lead again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HaCluster, eventually, type HaNodeProcess, type InitResult } from './ha-cluster.js';

let cluster: HaCluster;
let init: InitResult;

before(async () => {
  // Every node names every node (itself included, as a shared config would): whichever is
  // initialized first is the one the others join.
  cluster = await HaCluster.create(['a1', 'a2', 'a3'], {}, (_node, all) => all.map((n) => n.url));
  await cluster.startAll();
});

after(async () => {
  await cluster.destroy();
});

const token = (): string => init.rootToken;

async function write(node: HaNodeProcess, key: string, value: number): Promise<number> {
  try {
    const res = await node.request('POST', `secret/data/${key}`, {
      token: token(),
      body: { data: { value } },
    });
    return res.status;
  } catch {
    return 0;
  }
}

void describe('formation through retry_join, and failover', () => {
  void it('joins the other nodes by themselves once the first is initialized; they unseal with its keys', async () => {
    const [a1, a2, a3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
    init = await cluster.init(a1, 1, 1);
    for (const node of [a2, a3]) {
      await eventually(`${node.id} to receive its join challenge`, 20_000, async () => {
        const s = (await node.request('GET', 'sys/seal-status')).body;
        return s?.['initialized'] === true ? true : undefined;
      });
      const res = await node.unseal(init.keys);
      assert.equal(res.body?.['sealed'], false, res.text);
    }
    await cluster.awaitVoters(a1, token(), ['a1', 'a2', 'a3']);
    assert.equal(
      (
        await a1.request('POST', 'sys/mounts/secret', {
          token: token(),
          body: { type: 'kv', options: { version: '2' } },
        })
      ).status,
      204,
    );
  });

  void it('fails over within 10 s of a SIGKILL of the active node without losing an acknowledged write', async () => {
    const active = await cluster.active();
    const writer = cluster.nodes.find((n) => n !== active) as HaNodeProcess;
    const acked = new Map<string, number>();
    let seq = 0;
    // Steady writes through a standby (forwarded) before the kill, half of them after a key
    // rotation: the next active node must have picked up the new keyring term.
    for (; seq < 20; seq++) {
      if (seq === 10)
        assert.equal((await writer.request('PUT', 'sys/rotate', { token: token() })).status, 204);
      const status = await write(writer, `k${seq}`, seq);
      assert.equal(status, 200);
      acked.set(`k${seq}`, seq);
    }
    const killedAt = Date.now();
    await active.kill();
    let recoveredAt: number | undefined;
    const statuses = new Set<number>();
    while (Date.now() - killedAt < 20_000) {
      const key = `k${seq}`;
      const status = await write(writer, key, seq);
      statuses.add(status);
      seq++;
      if (status === 200) {
        acked.set(key, seq - 1);
        recoveredAt ??= Date.now();
        if (Date.now() - recoveredAt > 1_000) break;
      } else {
        // Never a 4xx for a request that was or may have been applied.
        assert.ok(status === 0 || status >= 500, `unexpected status ${status} during failover`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    assert.ok(
      recoveredAt !== undefined,
      `no successful write after the kill (statuses ${[...statuses].join(',')})\n${cluster.logs()}`,
    );
    const failoverMs = recoveredAt - killedAt;
    assert.ok(failoverMs < 10_000, `failover took ${failoverMs} ms`);
    const next = await cluster.active(
      10_000,
      cluster.nodes.filter((n) => n !== active),
    );
    assert.notEqual(next, active);
    for (const [key, value] of acked) {
      const got = await writer.request('GET', `secret/data/${key}`, { token: token() });
      assert.equal(got.status, 200, `${key}: ${got.text}`);
      assert.equal((got.body?.['data'] as { data: { value: number } }).data.value, value, key);
    }
  });

  void it('restarts the killed node, which unseals, catches up and can lead again', async () => {
    const down = cluster.nodes.find((n) => !n.alive) as HaNodeProcess;
    await down.start();
    const status = (await down.request('GET', 'sys/seal-status')).body;
    assert.equal(status?.['initialized'], true);
    assert.equal(status?.['sealed'], true);
    assert.equal((await down.unseal(init.keys)).body?.['sealed'], false);
    const active = await cluster.active();
    const put = await down.request('POST', 'secret/data/after-restart', {
      token: token(),
      body: { data: { value: -1 } },
    });
    assert.equal(put.status, 200, put.text);
    const commit = (await active.leader())['raft_committed_index'] as number;
    await eventually(`${down.id} to catch up to index ${commit}`, 15_000, async () =>
      ((await down.leader())['raft_applied_index'] as number) >= commit ? true : undefined,
    );
    // Hand leadership around until the restarted node is active, then read locally from it.
    await eventually(`${down.id} to become active`, 30_000, async () => {
      const current = await cluster.active();
      if (current === down) return true;
      await current.request('PUT', 'sys/step-down', { token: token() });
      await new Promise((r) => setTimeout(r, 500));
      return undefined;
    });
    const local = await down.request('GET', 'secret/data/k0', {
      token: token(),
      headers: { 'X-Vault-No-Request-Forwarding': 'true' },
    });
    assert.equal(local.status, 200, local.text);
    const latest = await down.request('GET', 'secret/data/after-restart', {
      token: token(),
      headers: { 'X-Vault-No-Request-Forwarding': 'true' },
    });
    assert.equal((latest.body?.['data'] as { data: { value: number } }).data.value, -1);
  });

  void it('seals the active node: it hands leadership over and another node serves at once', async () => {
    const active = await cluster.active();
    const sealed = await active.request('PUT', 'sys/seal', { token: token() });
    assert.equal(sealed.status, 204, sealed.text);
    const others = cluster.nodes.filter((n) => n !== active);
    const next = await cluster.active(5_000, others);
    assert.ok(others.includes(next));
    assert.equal((await active.request('GET', 'secret/data/k0', { token: token() })).status, 503);
    const got = await next.request('GET', 'secret/data/k15', { token: token() });
    assert.equal((got.body?.['data'] as { data: { value: number } }).data.value, 15);
    assert.equal((await active.unseal(init.keys)).body?.['sealed'], false);
    await eventually(`${active.id} to forward again`, 15_000, async () =>
      (await active.request('GET', 'secret/data/k0', { token: token() })).status === 200 ? true : undefined,
    );
  });
});
