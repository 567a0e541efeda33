import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { Role } from '../../src/core/types.js';
import { RaftNode } from '../../src/node/raft-node.js';
import { RaftNodeError } from '../../src/node/raft-node-errors.js';
import { entryKey } from '../../src/storage/level-log-format.js';
import { LogCorruptionError } from '../../src/storage/log-corruption-error.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';
import { waitFor } from '../transport/wait-for.js';
import { MemoryStateMachine } from './memory-state-machine.js';
import { TestCluster } from './test-cluster.js';

const enc = new TextEncoder();
const dirs: string[] = [];
void after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

void describe('RaftNode restart and recovery', () => {
  void it('a restarted follower with a volatile state machine restores the snapshot and replays the log', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], {
      tuning: { snapshotThreshold: 30, trailingLogs: 5 },
    });
    try {
      const leader = await c.waitLeader();
      await c.proposeMany(leader, 'p', 100);
      const follower = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
      await c.until(
        'follower applied and snapshotted',
        () => c.sm(follower).values.length === 100 && c.node(follower).status().snapshotIndex > 0,
      );
      await c.stopNode(follower);
      await c.proposeMany(leader, 'q', 10);
      const restarted = await c.startNode(follower);
      await c.until('caught up', () => c.sm(follower).values.length === 110);
      assert.equal(c.sm(follower).restores, 1, 'restored from its own snapshot');
      assert.deepEqual(c.sm(follower).values, c.sm(leader.id).values);
      assert.equal(restarted.status().metrics.snapshotsInstalled, 1);
    } finally {
      await c.close();
    }
  });

  void it('a durable state machine is not re-applied after a restart', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], { durable: true });
    try {
      const leader = await c.waitLeader();
      await c.proposeMany(leader, 'd', 50);
      const follower = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
      await c.until('follower applied', () => c.sm(follower).values.length === 50);
      await c.stopNode(follower);
      const sm = c.sm(follower);
      await c.startNode(follower);
      assert.equal(c.sm(follower), sm);
      await c.drive(leader.propose(enc.encode('more')));
      await c.until('applies the new entry once', () => sm.values.length === 51);
      assert.equal(sm.restores, 0);
    } finally {
      await c.close();
    }
  });

  void it('the whole cluster restarts from LevelDB and a file snapshot store, keeping every entry', async () => {
    const base = await mkdtemp(join(tmpdir(), 'coffer-raftnode-'));
    dirs.push(base);
    const ids = ['a', 'b', 'c'];
    const peers = Object.fromEntries(ids.map((id) => [id, `mem://${id}`]));
    const run = async (network: MemoryNetwork, sms: Map<string, MemoryStateMachine>): Promise<RaftNode[]> => {
      const nodes: RaftNode[] = [];
      for (const id of ids) {
        const sm = new MemoryStateMachine();
        sms.set(id, sm);
        const n = new RaftNode({
          id,
          transport: network.transport(id),
          stateMachine: sm,
          dataDir: join(base, id),
          peers,
          tickMs: 5,
          electionTick: 10,
          snapshotThreshold: 40,
          trailingLogs: 10,
          seed: id.charCodeAt(0),
        });
        await n.start();
        nodes.push(n);
      }
      return nodes;
    };
    const net1 = new MemoryNetwork({ seed: 1 });
    const sms1 = new Map<string, MemoryStateMachine>();
    const first = await run(net1, sms1);
    let leader: RaftNode | undefined;
    await waitFor('leader', () => (leader = first.find((n) => n.role === Role.Leader)) !== undefined);
    await Promise.all(Array.from({ length: 120 }, (_, i) => leader!.propose(enc.encode(`x${i}`))));
    await waitFor('all applied', () => [...sms1.values()].every((sm) => sm.values.length === 120));
    for (const n of first) await n.stop();
    net1.close();

    const net2 = new MemoryNetwork({ seed: 2 });
    const sms2 = new Map<string, MemoryStateMachine>();
    const second = await run(net2, sms2);
    try {
      for (const id of ids)
        assert.ok(second.find((n) => n.id === id)!.status().snapshotIndex > 0, `${id} kept its snapshot`);
      await waitFor('restored and replayed', () =>
        [...sms2.values()].every((sm) => sm.values.length === 120),
      );
      for (const sm of sms2.values()) assert.deepEqual(sm.values, sms1.get('a')!.values);
      await waitFor('leader', () => (leader = second.find((n) => n.role === Role.Leader)) !== undefined);
      await leader!.propose(enc.encode('after-restart'));
    } finally {
      for (const n of second) await n.stop();
      net2.close();
    }
  });

  void it('refuses to start on a corrupt log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-raftnode-corrupt-'));
    dirs.push(dir);
    const network = new MemoryNetwork();
    const n = new RaftNode({
      id: 'a',
      transport: network.transport('a'),
      stateMachine: new MemoryStateMachine(),
      dataDir: dir,
      peers: { a: 'mem://a' },
      tickMs: 0,
    });
    await n.start();
    n.campaign();
    await waitFor('leader', () => n.role === Role.Leader);
    await n.propose(enc.encode('precious'));
    await n.stop();
    const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'log'), {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
    });
    await db.open();
    const key = entryKey(1);
    const v = (await db.get(key))!;
    v[v.length - 1]! ^= 0xff;
    await db.put(key, v);
    await db.close();
    const again = new RaftNode({
      id: 'a',
      transport: network.transport('a'),
      stateMachine: new MemoryStateMachine(),
      dataDir: dir,
      peers: { a: 'mem://a' },
      tickMs: 0,
    });
    await assert.rejects(again.start(), LogCorruptionError);
    assert.equal(again.running, false);
    network.close();
  });

  void it('stops itself on a state machine failure, rejecting what is pending, and reports it', async () => {
    const c = await TestCluster.start(['a']);
    try {
      const leader = await c.waitLeader();
      const fatal: Error[] = [];
      leader.on('fatal', (e) => fatal.push(e));
      c.sm('a').failWith = new Error('disk on fire');
      await assert.rejects(
        c.drive(leader.propose(enc.encode('x'))),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'stopped',
      );
      assert.equal(fatal[0]?.message, 'disk on fire');
      assert.equal(leader.running, false);
    } finally {
      await c.close();
    }
  });
});
