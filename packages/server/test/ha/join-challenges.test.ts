import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JoinChallenges } from '../../src/ha/join-challenges.js';

void describe('JoinChallenges', () => {
  void it('accepts the right answer once, for the server id it was made for', () => {
    const c = new JoinChallenges();
    const answer = c.create('n2');
    assert.equal(answer.byteLength, 16);
    assert.equal(c.verify('n3', answer), false, 'another server id has no challenge');
    assert.equal(c.verify('n2', answer), true);
    assert.equal(c.verify('n2', answer), false, 'an answer is good once');
  });

  void it('consumes the challenge on a wrong answer, and a new challenge replaces the old one', () => {
    const c = new JoinChallenges();
    const first = c.create('n2');
    const wrong = Uint8Array.from(first);
    wrong[0] = (wrong[0] ?? 0) ^ 1;
    assert.equal(c.verify('n2', wrong), false);
    assert.equal(c.verify('n2', first), false, 'no second try after a wrong answer');
    const old = c.create('n2');
    const current = c.create('n2');
    assert.equal(c.size, 1);
    assert.equal(c.verify('n2', old), false);
    assert.equal(c.create('n2').byteLength, 16);
    assert.equal(c.verify('n2', current), false);
  });

  void it('expires challenges after the TTL (time is an input)', () => {
    let now = 1_000;
    const c = new JoinChallenges({ now: () => now, ttlMs: 500 });
    const answer = c.create('n2');
    now += 499;
    const kept = c.create('n3');
    now += 1;
    assert.equal(c.verify('n2', answer), false);
    assert.equal(c.verify('n3', kept), true);
  });

  void it('refuses answers of the wrong length without throwing', () => {
    const c = new JoinChallenges();
    c.create('n2');
    assert.equal(c.verify('n2', new Uint8Array(3)), false);
  });

  void it('keeps a bounded number of pending challenges', () => {
    const c = new JoinChallenges();
    for (let i = 0; i < 1000; i++) c.create(`n${i}`);
    assert.ok(c.size <= 256);
    c.clear();
    assert.equal(c.size, 0);
  });
});
