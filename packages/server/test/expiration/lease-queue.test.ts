import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseQueue } from '../../src/expiration/lease-queue.js';

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

void describe('LeaseQueue', () => {
  void it('pops entries in (time, id) order whatever the push order', () => {
    const random = rng(42);
    const q = new LeaseQueue();
    const pushed: Array<{ at: number; id: string }> = [];
    for (let i = 0; i < 5000; i++) {
      const item = { at: Math.floor(random() * 1000), id: `lease/${i}` };
      pushed.push(item);
      q.push(item.id, item.at);
      // interleave pops with pushes
      if (i % 7 === 0) {
        const min = pushed.reduce((a, b) => (b.at < a.at || (b.at === a.at && b.id < a.id) ? b : a));
        const top = q.pop();
        assert.deepEqual(top, min);
        pushed.splice(pushed.indexOf(min), 1);
      }
    }
    pushed.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const popped: Array<{ at: number; id: string }> = [];
    for (let top = q.pop(); top !== undefined; top = q.pop()) popped.push({ at: top.at, id: top.id });
    assert.deepEqual(popped, pushed);
    assert.equal(q.size, 0);
    assert.equal(q.peek(), undefined);
  });

  void it('compacts to the live entries only, still ordered', () => {
    const q = new LeaseQueue();
    for (let i = 0; i < 100; i++) q.push(`a${i}`, 100 - i);
    const live = new Map<string, number>([
      ['a5', 95],
      ['a90', 10],
      ['gone', -1],
    ]);
    q.compact(live);
    assert.equal(q.size, 2);
    assert.deepEqual(q.pop(), { at: 10, id: 'a90' });
    assert.deepEqual(q.pop(), { at: 95, id: 'a5' });
    assert.equal(q.pop(), undefined);
  });
});
