import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BarrierError } from '@coffer/barrier';
import { httpErrorOf } from '../../src/errors/http-error-of.js';
import { RaftBackend } from '../../src/raft-storage/raft-backend.js';
import type { FsmChange } from '../../src/raft-storage/raft-fsm.js';
import { RaftStorageError } from '../../src/raft-storage/raft-storage-error.js';
import { RaftStorageCluster, dump } from './raft-storage-cluster.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString();

async function withCluster(body: (c: RaftStorageCluster) => Promise<void>): Promise<void> {
  const c = await RaftStorageCluster.start(['a', 'b', 'c']);
  try {
    await body(c);
  } finally {
    await c.destroy();
  }
}

function isNotLeader(err: unknown): boolean {
  assert.ok(RaftStorageError.is(err, 'not_leader'), `expected not_leader, got ${String(err)}`);
  assert.equal(err.code, 'NO_ACTIVE_NODE');
  assert.equal(err.leader, 'a');
  assert.equal(err.leaderAddress, 'mem://a');
  assert.equal(httpErrorOf(err).status, 503);
  return true;
}

void describe('RaftBackend in a 3-node cluster', () => {
  void it('refuses writes on a follower with a typed error naming the leader; nothing is proposed', () =>
    withCluster(async (c) => {
      await c.backend('a').put('k', bytes('v'));
      const before = c.node('a').status().lastIndex;
      const follower = c.backend('b');
      await assert.rejects(follower.put('x', bytes('1')), isNotLeader);
      await assert.rejects(follower.delete('k'), isNotLeader);
      await assert.rejects(follower.transaction([{ kind: 'put', key: 'y', value: bytes('2') }]), isNotLeader);
      assert.equal(c.node('a').status().lastIndex, before);
      assert.equal(await c.backend('a').get('x'), undefined);
    }));

  void it("every follower's FSM converges to the leader's contents", () =>
    withCluster(async (c) => {
      const leader = c.backend('a');
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => leader.put(`data/${i % 7}/${i}`, bytes(`v${i}`))),
      );
      for (let i = 0; i < 300; i += 3) await leader.delete(`data/${i % 7}/${i}`);
      await leader.transaction([
        { kind: 'put', key: 'core/keyring', value: bytes('ring') },
        { kind: 'delete', key: 'data/1/1' },
      ]);
      const target = c.node('a').appliedIndex;
      await c.until('followers applied', () => ['b', 'c'].every((id) => c.fsm(id).applied === target));
      const expected = await dump(c.fsm('a'));
      assert.equal(expected.length, 300 - 100 - 1 + 1);
      for (const id of ['b', 'c']) {
        assert.deepEqual(await dump(c.fsm(id)), expected, `node ${id}`);
        const local = c.backend(id).withConsistency('local');
        assert.equal(text(await local.get('core/keyring')), 'ring');
        assert.deepEqual(await local.list('data/'), await leader.list('data/'));
      }
    }));

  void it('a linearizable read on a follower sees a write the leader just acknowledged', () =>
    withCluster(async (c) => {
      for (let i = 0; i < 20; i++) {
        await c.backend('a').put('counter', bytes(String(i)));
        assert.equal(text(await c.backend('b').get('counter')), String(i));
      }
    }));

  void it('coalesces concurrent linearizable reads into few readIndex rounds', () =>
    withCluster(async (c) => {
      await c.backend('a').put('hot', bytes('x'));
      const node = c.node('a');
      let calls = 0;
      const spied = new RaftBackend({
        node: { propose: (d) => node.propose(d), readIndex: () => (calls++, node.readIndex()) },
        fsm: c.fsm('a'),
      });
      const got = await Promise.all(Array.from({ length: 500 }, () => spied.get('hot')));
      assert.ok(got.every((v) => text(v) === 'x'));
      assert.ok(calls >= 1 && calls <= 2, `500 concurrent gets cost ${calls} readIndex rounds`);
      assert.equal(spied.readIndexRounds, calls);
      // Local reads never ask.
      const local = spied.withConsistency('local');
      await Promise.all(Array.from({ length: 50 }, () => local.get('hot')));
      assert.equal(calls, spied.readIndexRounds);
      assert.ok(calls <= 2);
      await local.close();
      await spied.close();
    }));

  void it('enforces the value and entry size limits with typed errors, before proposing', () =>
    withCluster(async (c) => {
      const b = c.backend('a');
      const before = c.node('a').status().lastIndex;
      await assert.rejects(b.put('big', new Uint8Array(1024 * 1024 + 1)), (err: unknown) => {
        assert.ok(RaftStorageError.is(err, 'value_too_large'));
        assert.equal(httpErrorOf(err).status, 413);
        return true;
      });
      await assert.rejects(
        b.transaction([
          { kind: 'put', key: 't/1', value: new Uint8Array(700 * 1024) },
          { kind: 'put', key: 't/2', value: new Uint8Array(700 * 1024) },
        ]),
        (err: unknown) => RaftStorageError.is(err, 'entry_too_large'),
      );
      await assert.rejects(b.put('k'.repeat(64 * 1024 + 1), bytes('v')), (err: unknown) =>
        BarrierError.is(err, 'INVALID_KEY'),
      );
      assert.equal(c.node('a').status().lastIndex, before);
      await b.put('max', new Uint8Array(1024 * 1024));
      assert.equal((await b.get('max'))?.byteLength, 1024 * 1024);
    }));

  void it('every node reports the keys each apply batch changed (for cache invalidation)', () =>
    withCluster(async (c) => {
      const seen = new Map<string, Set<string>>();
      for (const id of ['a', 'b', 'c']) {
        const keys = new Set<string>();
        seen.set(id, keys);
        c.fsm(id).on('change', (ch: FsmChange) => {
          if (ch.kind === 'apply') for (const k of ch.keys) keys.add(k);
        });
      }
      await c.backend('a').put('core/keyring', bytes('r1'));
      await c.backend('a').transaction([
        { kind: 'put', key: 'sys/x', value: bytes('1') },
        { kind: 'delete', key: 'sys/y' },
      ]);
      const target = c.node('a').appliedIndex;
      await c.until('followers applied', () => ['b', 'c'].every((id) => c.fsm(id).applied === target));
      for (const id of ['a', 'b', 'c'])
        assert.deepEqual([...seen.get(id)!].sort(), ['core/keyring', 'sys/x', 'sys/y'], id);
    }));

  void it('a closed backend refuses calls as unavailable', () =>
    withCluster(async (c) => {
      await c.stopNode('c');
      await assert.rejects(c.backend('c').put('k', bytes('v')), (err: unknown) =>
        RaftStorageError.is(err, 'unavailable'),
      );
      await assert.rejects(c.backend('c').get('k'), (err: unknown) =>
        RaftStorageError.is(err, 'unavailable'),
      );
      // The other two still form a quorum.
      await c.backend('a').put('k', bytes('v'));
    }));
});
