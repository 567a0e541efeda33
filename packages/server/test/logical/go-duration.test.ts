import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, parseGoDuration } from '../../src/logical/go-duration.js';

void describe('parseGoDuration', () => {
  void it('parses what Go time.ParseDuration parses, in seconds', () => {
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('0s'), 0);
    assert.equal(parseGoDuration('1s'), 1);
    assert.equal(parseGoDuration('1m30s'), 90);
    assert.equal(parseGoDuration('1h0m0s'), 3600);
    assert.equal(parseGoDuration('1.5h'), 5400);
    assert.equal(parseGoDuration('.5s'), 0.5);
    assert.equal(parseGoDuration('1.s'), 1);
    assert.equal(parseGoDuration('500ms'), 0.5);
    assert.equal(parseGoDuration('-2m'), -120);
    assert.equal(parseGoDuration('+2m'), 120);
    assert.ok(Math.abs((parseGoDuration('10us') ?? 0) - 1e-5) < 1e-12);
    assert.ok(Math.abs((parseGoDuration('10µs') ?? 0) - 1e-5) < 1e-12);
  });

  void it('rejects what Go rejects', () => {
    for (const bad of ['', '1', '1h30', 'h', '.s', '1d', '1.5.3s', 'abc', '-', ' 1s', '1s ']) {
      assert.equal(parseGoDuration(bad), undefined, bad);
    }
  });
});

void describe('formatGoDuration', () => {
  void it('formats like Go Duration.String()', () => {
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(1), '1s');
    assert.equal(formatGoDuration(59), '59s');
    assert.equal(formatGoDuration(60), '1m0s');
    assert.equal(formatGoDuration(90), '1m30s');
    assert.equal(formatGoDuration(3600), '1h0m0s');
    assert.equal(formatGoDuration(3661), '1h1m1s');
    assert.equal(formatGoDuration(86400 * 30), '720h0m0s');
    assert.equal(formatGoDuration(1.5), '1.5s');
    assert.equal(formatGoDuration(0.5), '500ms');
    assert.equal(formatGoDuration(0.0015), '1.5ms');
    assert.equal(formatGoDuration(-90), '-1m30s');
  });

  void it('round-trips through parseGoDuration', () => {
    for (const s of [0, 1, 61, 3599, 3600, 7322, 1e6]) assert.equal(parseGoDuration(formatGoDuration(s)), s);
  });
});
