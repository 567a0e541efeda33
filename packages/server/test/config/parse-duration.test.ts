import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DurationError, parseDuration } from '../../src/config/index.js';
import { CofferError } from '../../src/errors/coffer-error.js';

void describe('parseDuration', () => {
  void it('parses Go durations into whole seconds', () => {
    const cases: [string, number][] = [
      ['768h', 2764800],
      ['30m', 1800],
      ['1h30m', 5400],
      ['10s', 10],
      ['1.5h', 5400],
      ['.5m', 30],
      ['2h45m30s', 9930],
      ['90000ms', 90],
      ['1500ms', 1],
      ['999ms', 0],
      ['1000000us', 1],
      ['1000000µs', 1],
      ['0', 0],
      ['0s', 0],
    ];
    for (const [input, seconds] of cases) assert.equal(parseDuration(input), seconds, input);
  });

  void it('reads plain integers (numbers or strings) as seconds and "Nd" as days', () => {
    assert.equal(parseDuration(5), 5);
    assert.equal(parseDuration('5'), 5);
    assert.equal(parseDuration('+5'), 5);
    assert.equal(parseDuration('7d'), 604800);
    assert.equal(parseDuration(''), 0);
  });

  void it('rejects negative durations unless allowed', () => {
    assert.throws(() => parseDuration('-1h'), DurationError);
    assert.throws(() => parseDuration(-5), DurationError);
    assert.equal(parseDuration('-1h', { allowNegative: true }), -3600);
    assert.equal(parseDuration('-90s', { allowNegative: true }), -90);
  });

  void it('rejects malformed input with a BAD_REQUEST CofferError', () => {
    for (const input of ['abc', '1h30', '1x', '.', 'h', '1.5', '5 m', '1d2h', '--1s']) {
      assert.throws(
        () => parseDuration(input),
        (err: unknown) =>
          err instanceof DurationError && err instanceof CofferError && err.code === 'BAD_REQUEST',
        input,
      );
    }
    assert.throws(() => parseDuration(1.5), DurationError);
    assert.throws(() => parseDuration(Number.NaN), DurationError);
  });

  void it("rejects values beyond Go's int64 nanoseconds", () => {
    assert.equal(parseDuration('2562047h'), 2562047 * 3600);
    assert.throws(() => parseDuration('2562048h'), DurationError);
    assert.throws(() => parseDuration('9223372037'), DurationError);
  });
});
