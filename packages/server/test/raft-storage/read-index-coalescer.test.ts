import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadIndexCoalescer } from '../../src/raft-storage/read-index-coalescer.js';

/** A readIndex() whose rounds the test settles by hand. */
class ManualReadIndex {
  readonly rounds: { resolve: () => void; reject: (err: Error) => void }[] = [];

  readIndex = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      this.rounds.push({ resolve, reject });
    });
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

void describe('ReadIndexCoalescer', () => {
  void it('callers during a round in flight share the next round, started when it settles', async () => {
    const m = new ManualReadIndex();
    const c = new ReadIndexCoalescer(m.readIndex);
    const done: string[] = [];
    const first = c.wait().then(() => done.push('first'));
    assert.equal(m.rounds.length, 1);
    const late = Array.from({ length: 50 }, (_, i) => c.wait().then(() => done.push(`late${i}`)));
    await flush();
    assert.equal(m.rounds.length, 1, 'late callers do not join the round in flight, nor start their own');
    m.rounds[0]!.resolve();
    await first;
    await flush();
    assert.deepEqual(done, ['first'], 'late callers wait for a round that started after them');
    assert.equal(m.rounds.length, 2);
    const later = c.wait().then(() => done.push('later'));
    m.rounds[1]!.resolve();
    await Promise.all(late);
    await flush();
    assert.equal(done.length, 51);
    assert.equal(m.rounds.length, 3, 'a caller during the second round got a third');
    m.rounds[2]!.resolve();
    await later;
    assert.equal(c.rounds, 3);
  });

  void it('a failed round rejects exactly its callers; the next round still runs', async () => {
    const m = new ManualReadIndex();
    const c = new ReadIndexCoalescer(m.readIndex);
    const first = c.wait();
    const second = c.wait();
    m.rounds[0]!.reject(new Error('lost'));
    await assert.rejects(first, /lost/);
    await flush();
    assert.equal(m.rounds.length, 2);
    m.rounds[1]!.resolve();
    await second;
  });

  void it('a readIndex that throws synchronously rejects the round', async () => {
    const c = new ReadIndexCoalescer(() => {
      throw new Error('sync');
    });
    await assert.rejects(c.wait(), /sync/);
    await assert.rejects(c.wait(), /sync/);
    assert.equal(c.rounds, 2);
  });
  void it('a lease read is used as is: no round, no waiting for the round in flight', async () => {
    const m = new ManualReadIndex();
    let lease = false;
    const c = new ReadIndexCoalescer(m.readIndex, () => (lease ? Promise.resolve() : undefined));
    const inFlight = c.wait();
    assert.equal(m.rounds.length, 1, 'without a lease: a round');
    lease = true;
    await c.wait();
    assert.equal(m.rounds.length, 1, 'with a lease: resolved without a round, past the one in flight');
    lease = false;
    const next = c.wait();
    await flush();
    assert.equal(m.rounds.length, 1, 'the lease gone: back to the next round');
    m.rounds[0]!.resolve();
    await inFlight;
    await flush();
    assert.equal(m.rounds.length, 2);
    m.rounds[1]!.resolve();
    await next;
  });
});
