/**
 * Snapshot save/restore on a real three-process cluster (sys/storage/raft/snapshot): save streams
 * a verifiable archive from the active node (a standby redirects); a restore goes through raft and
 * leaves every node with the same state — later writes gone, earlier ones back; save → restore →
 * save gives identical payloads; corrupt, truncated or foreign snapshots are refused before any
 * state changes; a leader killed in the middle of a restore leaves every node fully before.
 *
 * Every node runs with `COFFER_FAILPOINT=restore-after-chunks:2`: a restore of more than two
 * chunks (> ~1 MiB) kills the active node after its second chunk. The small snapshots of the
 * first tests fit in one chunk; the crash test uses a bigger one on purpose.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { verifySnapshot } from '@coffer/snapshot';
import { HaCluster, eventually, type HaNodeProcess, type InitResult } from '../ha/ha-cluster.js';
import { flipBit, fsmState, raw, readValue, restore, save, writeValue } from './snapshot-helpers.js';

let cluster: HaCluster;
let init: InitResult;
const token = (): string => init.rootToken;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const summary = (archive: Uint8Array): ReturnType<typeof verifySnapshot> =>
  verifySnapshot(Readable.from([archive]));

before(async () => {
  cluster = await HaCluster.create(['s1', 's2', 's3'], {}, (_node, all) => all.map((n) => n.url));
  process.env['COFFER_FAILPOINT'] = 'restore-after-chunks:2';
  try {
    await cluster.startAll();
  } finally {
    delete process.env['COFFER_FAILPOINT'];
  }
  const [n1, n2, n3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
  init = await cluster.init(n1, 1, 1);
  for (const node of [n2, n3]) {
    await eventually(`${node.id} to join`, 30_000, async () =>
      (await node.request('GET', 'sys/seal-status')).body?.['initialized'] === true ? true : undefined,
    );
    const res = await node.unseal(init.keys);
    assert.equal(res.body?.['sealed'], false, res.text);
  }
  await cluster.awaitVoters(n1, token(), ['s1', 's2', 's3']);
  const mounted = await n1.request('POST', 'sys/mounts/secret', {
    token: token(),
    body: { type: 'kv', options: { version: '2' } },
  });
  assert.equal(mounted.status, 204, mounted.text);
});

after(async () => {
  await cluster.destroy();
  await other?.destroy();
});

/** A second, one-node cluster: the source of foreign snapshots. */
let other: HaCluster | undefined;
let otherInit: InitResult;

/** Every node answers `expected` for every key (reads through each node). */
async function assertEverywhere(expected: Readonly<Record<string, unknown>>): Promise<void> {
  for (const node of cluster.nodes) {
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(await readValue(node, token(), key), value, `${key} read through ${node.id}`);
    }
  }
}

let first: Buffer;
const before1 = { b0: 'zero', b1: 'one', b2: 'two' };

void describe('snapshot save and restore on a three-node cluster', () => {
  void it('saves a verifiable archive from the active node; a standby redirects (307); read capability needed', async () => {
    const active = await cluster.active();
    const standby = cluster.nodes.find((n) => n !== active && n.alive) as HaNodeProcess;
    for (const [k, v] of Object.entries(before1)) await writeValue(standby, token(), k, v);
    first = await save(active, token());
    const s = await summary(first);
    assert.ok(s.entries > 0);
    assert.notEqual(s.meta.keyringFingerprint, '');
    assert.ok(s.countsByPrefix['logical/'] !== undefined || Object.keys(s.countsByPrefix).length > 0);

    const redirected = await raw(standby, 'GET', 'sys/storage/raft/snapshot', token());
    assert.equal(redirected.status, 307);
    assert.equal(redirected.location, `${active.url}/v1/sys/storage/raft/snapshot`);
    assert.equal((await raw(standby, 'POST', 'sys/storage/raft/snapshot', token(), first)).status, 307);

    assert.equal((await raw(active, 'GET', 'sys/storage/raft/snapshot', undefined)).status, 403);
    const policy = await active.request('PUT', 'sys/policies/acl/snap-read', {
      token: token(),
      body: { policy: 'path "sys/storage/raft/snapshot" { capabilities = ["read"] }' },
    });
    assert.equal(policy.status, 204, policy.text);
    const reader = await active.request('POST', 'auth/token/create', {
      token: token(),
      body: { policies: ['snap-read'] },
    });
    const readerToken = (reader.body?.['auth'] as { client_token: string }).client_token;
    const plain = await active.request('POST', 'auth/token/create', {
      token: token(),
      body: { policies: ['default'] },
    });
    const plainToken = (plain.body?.['auth'] as { client_token: string }).client_token;
    assert.equal((await raw(active, 'GET', 'sys/storage/raft/snapshot', readerToken)).status, 200);
    assert.equal((await raw(active, 'GET', 'sys/storage/raft/snapshot', plainToken)).status, 403);
    assert.equal((await restore(active, readerToken, first)).status, 403);
  });

  void it('restores through raft: later writes are gone and earlier ones intact on all three nodes', async () => {
    const active = await cluster.active();
    await writeValue(active, token(), 'b0', 'changed');
    await writeValue(active, token(), 'later1', 'x');
    assert.equal((await active.request('DELETE', 'secret/metadata/b1', { token: token() })).status, 204);
    const created = await active.request('POST', 'auth/token/create', {
      token: token(),
      body: { policies: ['default'] },
    });
    const laterToken = (created.body?.['auth'] as { client_token: string }).client_token;
    await assertEverywhere({ b0: 'changed', b1: undefined, later1: 'x' });

    const res = await restore(active, token(), first);
    assert.equal(res.status, 204, res.text);
    await assertEverywhere({ ...before1, later1: undefined });
    // The token store was reloaded too: a token created after the snapshot no longer exists.
    assert.equal((await active.request('GET', 'auth/token/lookup-self', { token: laterToken })).status, 403);
    // And the cluster keeps working.
    await writeValue(active, token(), 'after-restore', 1);
    await assertEverywhere({ 'after-restore': 1 });
  });

  void it('save → restore → save yields identical state payloads', async () => {
    const active = await cluster.active();
    const s1 = await save(active, token());
    const res = await restore(active, token(), s1);
    assert.equal(res.status, 204, res.text);
    const s2 = await save(active, token());
    const [a, b] = [await summary(s1), await summary(s2)];
    assert.equal(b.payloadSha256, a.payloadSha256);
    assert.equal(b.entries, a.entries);
    assert.ok(b.index > a.index, 'the restored state carries the commit entry index');
  });

  void it('refuses a snapshot with one flipped bit or truncated anywhere (400), changing nothing', async () => {
    const active = await cluster.active();
    await writeValue(active, token(), 'marker', 'before-corrupt');
    const good = await save(active, token());
    const n = good.length;
    const bad: [string, Buffer][] = [];
    for (const at of [0, 9, 20, 60, Math.floor(n / 3), Math.floor(n / 2), n - 100, n - 33, n - 1])
      bad.push([`bit flipped at ${at}`, flipBit(good, at, at % 8)]);
    for (const len of [0, 1, 8, 40, Math.floor(n / 2), n - 64, n - 1])
      bad.push([`truncated to ${len}`, good.subarray(0, len)]);
    bad.push(['trailing garbage', Buffer.concat([good, Buffer.from([0])])]);
    for (const [what, archive] of bad) {
      const res = await restore(active, token(), archive);
      assert.equal(res.status, 400, `${what}: ${res.status} ${res.text}`);
      assert.match(res.text, /invalid snapshot/, what);
    }
    await writeValue(active, token(), 'marker2', 'still');
    await assertEverywhere({ marker: 'before-corrupt', marker2: 'still', ...before1 });
  });

  void it("refuses another cluster's snapshot without force (400), changing nothing", async () => {
    other = await HaCluster.create(['o1']);
    await other.startAll();
    const o1 = other.node('o1');
    // A different share count and threshold than this cluster's 1/1: a forced restore brings them.
    otherInit = await other.init(o1, 3, 2);
    await other.active();
    const foreign = await save(o1, otherInit.rootToken);
    const active = await cluster.active();
    const res = await restore(active, token(), foreign);
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /different keyring/);
    await assertEverywhere({ marker: 'before-corrupt', ...before1 });
  });

  void it('a leader killed in the middle of a restore leaves every node fully before (the new active node aborts it)', async () => {
    let active = await cluster.active();
    // ~2.4 MiB of secrets: about five restore chunks, so the failpoint (after 2) fires mid-way.
    const keys = Array.from({ length: 300 }, (_, i) => `big/${i}`);
    for (let i = 0; i < keys.length; i += 20) {
      await Promise.all(
        keys
          .slice(i, i + 20)
          .map((k) => writeValue(active, token(), k, randomBytes(6000).toString('base64'))),
      );
    }
    const big = await save(active, token());
    assert.ok(big.length > 1.5 * 1024 * 1024, `snapshot of ${big.length} bytes`);
    await writeValue(active, token(), 'marker', 'after-big');

    const crashed = active;
    await restore(crashed, token(), big).then(
      (r) => assert.fail(`the failpoint should have killed ${crashed.id}; got ${r.status} ${r.text}`),
      () => undefined,
    );
    await eventually(`${crashed.id} to die`, 10_000, async () => (crashed.alive ? undefined : true));
    const survivors = cluster.nodes.filter((n) => n !== crashed);
    active = await cluster.active(30_000, survivors);
    // It died between begin and commit: the next active node aborted the pending restore.
    await eventually('the new active node to abort the pending restore', 10_000, async () =>
      survivors.some((n) => n.logs().includes('aborted a snapshot restore')) ? true : undefined,
    );
    await crashed.start();
    assert.equal((await crashed.unseal(init.keys)).body?.['sealed'], false);
    // Fully before: the write made after the snapshot is still there, everywhere.
    await eventually('the restarted node to serve reads', 30_000, async () =>
      (await readValue(crashed, token(), 'marker')) === 'after-big' ? true : undefined,
    );
    await assertEverywhere({ marker: 'after-big', 'big/0': await readValue(active, token(), 'big/0') });
  });

  void it("restores another cluster's snapshot with force: every node seals, and only the source cluster's keys unseal", async () => {
    assert.ok(other !== undefined, 'the foreign cluster exists (previous test)');
    const o1 = other.node('o1');
    assert.equal(
      (
        await o1.request('POST', 'sys/mounts/secret', {
          token: otherInit.rootToken,
          body: { type: 'kv', options: { version: '2' } },
        })
      ).status,
      204,
    );
    await writeValue(o1, otherInit.rootToken, 'src', 'from-other');
    const foreign = await save(o1, otherInit.rootToken);

    const active = await cluster.active();
    const res = await restore(active, token(), foreign, true);
    assert.equal(res.status, 204, res.text);
    for (const node of cluster.nodes) {
      await eventually(`${node.id} to seal`, 15_000, async () =>
        (await node.request('GET', 'sys/seal-status')).body?.['sealed'] === true ? true : undefined,
      );
    }
    for (const node of cluster.nodes) {
      const status = (await node.request('GET', 'sys/seal-status')).body;
      assert.deepEqual(
        [status?.['n'], status?.['t']],
        [3, 2],
        `${node.id} reports the source cluster's seal config`,
      );
      const refused = await node.unseal(init.keys);
      assert.equal(refused.status, 400, `old keys on ${node.id}: ${refused.text}`);
      assert.equal((await node.request('GET', 'sys/seal-status')).body?.['sealed'], true);
    }
    for (const node of cluster.nodes) {
      const unsealed = await node.unseal(otherInit.keys.slice(0, 2));
      assert.equal(unsealed.body?.['sealed'], false, `source keys on ${node.id}: ${unsealed.text}`);
    }
    const oldRoot = init.rootToken;
    init = { keys: otherInit.keys.slice(0, 2), rootToken: otherInit.rootToken };
    const now = await cluster.active(30_000);
    await eventually('the restored cluster to serve reads', 30_000, async () =>
      (await readValue(now, token(), 'src')) === 'from-other' ? true : undefined,
    );
    await assertEverywhere({ src: 'from-other', b0: undefined, marker: undefined });
    assert.equal((await now.request('GET', 'auth/token/lookup-self', { token: oldRoot })).status, 403);
    await writeValue(now, token(), 'after-force', 'ok');
    await assertEverywhere({ 'after-force': 'ok' });
    // Same-cluster restores work again under the restored keyring.
    const again = await save(now, token());
    assert.equal((await restore(now, token(), again)).status, 204);
  });

  void it('every node ends with the same FSM state (offline state hashes), no restore left pending', async () => {
    await sleep(2_000);
    await cluster.stopAll();
    const states = [];
    for (const node of cluster.nodes) states.push({ id: node.id, ...(await fsmState(node)) });
    for (const s of states) assert.equal(s.pendingRestore, undefined, `${s.id} has a pending restore`);
    const [head, ...rest] = states;
    for (const s of rest) {
      assert.equal(s.applied, head?.applied, `applied index of ${s.id} vs ${head?.id}`);
      assert.equal(s.hash, head?.hash, `state hash of ${s.id} vs ${head?.id}`);
    }
  });
});
