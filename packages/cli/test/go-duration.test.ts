import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, goDurationString, humanDuration, parseDurationSeconds } from '../src/index.js';

void describe('durations', () => {
  void it('parses bare seconds, Go durations and days', () => {
    assert.equal(parseDurationSeconds('90'), 90);
    assert.equal(parseDurationSeconds('1h30m'), 5400);
    assert.equal(parseDurationSeconds('1.5h'), 5400);
    assert.equal(parseDurationSeconds('500ms'), 0.5);
    assert.equal(parseDurationSeconds('7d'), 604800);
    assert.equal(parseDurationSeconds('-1s'), -1);
    assert.equal(parseDurationSeconds('0'), 0);
    assert.throws(() => parseDurationSeconds('abc'), RangeError);
    assert.throws(() => parseDurationSeconds('1x'), RangeError);
    assert.throws(() => parseDurationSeconds(''), RangeError);
  });

  void it('prints Go Duration.String()', () => {
    assert.equal(goDurationString(0), '0s');
    assert.equal(goDurationString(45), '45s');
    assert.equal(goDurationString(120), '2m0s');
    assert.equal(goDurationString(3600), '1h0m0s');
    assert.equal(goDurationString(2764800), '768h0m0s');
    assert.equal(goDurationString(-90), '-1m30s');
  });

  void it("prints Vault's human form for tables", () => {
    assert.equal(humanDuration(0), '0s');
    assert.equal(humanDuration(2764800), '768h');
    assert.equal(humanDuration(5400), '1h30m');
    assert.equal(humanDuration(3601), '1h1s');
    assert.equal(humanDuration(90), '1m30s');
    assert.equal(humanDuration(120), '2m');
  });

  void it('formats sub-second and fractional durations like Go (formatGoDuration)', () => {
    assert.equal(formatGoDuration(0), '0s');
    assert.equal(formatGoDuration(0.5), '500ms');
    assert.equal(formatGoDuration(0.0015), '1.5ms');
    assert.equal(formatGoDuration(0.000003), '3µs');
    assert.equal(formatGoDuration(1.5), '1.5s');
    assert.equal(formatGoDuration(90.25), '1m30.25s');
    assert.equal(formatGoDuration(86400), '24h0m0s');
    assert.equal(formatGoDuration(-10), '-10s');
  });
});
