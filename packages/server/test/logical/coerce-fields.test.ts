import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { coerceFields, zeroValue } from '../../src/logical/coerce-fields.js';
import type { FieldType } from '../../src/logical/field-spec.js';

function one(type: FieldType, value: unknown): unknown {
  return coerceFields({ f: { type } }, { f: value })['f'];
}

function bad(type: FieldType, value: unknown): void {
  assert.throws(
    () => one(type, value),
    (err: unknown) =>
      err instanceof CofferError &&
      err.code === ErrorCode.BadRequest &&
      err.message.startsWith('Field validation failed: error converting input for field "f": '),
    `${type} should reject ${JSON.stringify(value)}`,
  );
}

void describe('coerceFields', () => {
  void it('string: strings, numbers and bools (weakly)', () => {
    assert.equal(one('string', 'x'), 'x');
    assert.equal(one('string', 42), '42');
    assert.equal(one('string', 1.5), '1.5');
    assert.equal(one('string', true), '1');
    assert.equal(one('string', false), '0');
    bad('string', { a: 1 });
    bad('string', ['a']);
  });

  void it('int: integral numbers, numeric strings with Go base prefixes, bools', () => {
    assert.equal(one('int', 7), 7);
    assert.equal(one('int', -7), -7);
    assert.equal(one('int', '12'), 12);
    assert.equal(one('int', '-12'), -12);
    assert.equal(one('int', '+3'), 3);
    assert.equal(one('int', '0x1f'), 31);
    assert.equal(one('int', '0o17'), 15);
    assert.equal(one('int', '017'), 15);
    assert.equal(one('int', '0b101'), 5);
    assert.equal(one('int', '0'), 0);
    assert.equal(one('int', ''), 0);
    assert.equal(one('int', true), 1);
    assert.equal(one('int', false), 0);
    bad('int', 1.5);
    bad('int', '1.5');
    bad('int', 'abc');
    bad('int', '08');
    bad('int', ' 1');
    bad('int', '99999999999999999999');
    bad('int', {});
    bad('int', []);
  });

  void it('bool: Go ParseBool strings, numbers, bools', () => {
    for (const t of [true, 1, -2, '1', 't', 'T', 'TRUE', 'true', 'True'])
      assert.equal(one('bool', t), true, String(t));
    for (const f of [false, 0, '0', 'f', 'F', 'FALSE', 'false', 'False', ''])
      assert.equal(one('bool', f), false, String(f));
    bad('bool', 'yes');
    bad('bool', 'tRUE');
    bad('bool', {});
  });

  void it('duration: seconds, numeric strings, day suffix and Go durations; negatives rejected', () => {
    assert.equal(one('duration', 30), 30);
    assert.equal(one('duration', '30'), 30);
    assert.equal(one('duration', ''), 0);
    assert.equal(one('duration', '0s'), 0);
    assert.equal(one('duration', '90s'), 90);
    assert.equal(one('duration', '1h30m'), 5400);
    assert.equal(one('duration', '1.5h'), 5400);
    assert.equal(one('duration', '1500ms'), 1);
    assert.equal(one('duration', '2d'), 172800);
    bad('duration', '-1s');
    bad('duration', -1);
    bad('duration', '1x');
    bad('duration', '1h30');
    bad('duration', 1.5);
    bad('duration', true);
    bad('duration', {});
  });

  void it('signed duration: negative values allowed', () => {
    assert.equal(coerceFields({ d: { type: 'duration', signed: true } }, { d: '-1h' })['d'], -3600);
    assert.equal(coerceFields({ d: { type: 'duration', signed: true } }, { d: -5 })['d'], -5);
    assert.equal(coerceFields({ d: { type: 'duration', signed: true } }, { d: '-0.5s' })['d'], 0);
  });

  void it('map: objects, empty array', () => {
    assert.deepEqual(one('map', { a: { b: 1 } }), { a: { b: 1 } });
    assert.deepEqual(one('map', []), {});
    bad('map', 'a=b');
    bad('map', [1]);
    bad('map', 3);
  });

  void it('string-map: objects with scalar values, or "k=v" lists', () => {
    assert.deepEqual(one('string-map', { a: 'x', b: 2, c: true }), { a: 'x', b: '2', c: '1' });
    assert.deepEqual(one('string-map', ['a=b', 'c=d=e']), { a: 'b', c: 'd=e' });
    bad('string-map', { a: { nested: 1 } });
    bad('string-map', ['novalue']);
    bad('string-map', ['=v']);
    bad('string-map', 'a=b');
    const m = one('string-map', JSON.parse('{"__proto__":"x"}')) as Record<string, string>;
    assert.equal(Object.getPrototypeOf(m), Object.prototype);
    assert.equal(Object.hasOwn(m, '__proto__'), true);
  });

  void it('slice: arrays, single values lifted', () => {
    assert.deepEqual(one('slice', [1, 'a', { b: 2 }]), [1, 'a', { b: 2 }]);
    assert.deepEqual(one('slice', 'x'), ['x']);
  });

  void it('string-slice: arrays (trimmed, weakly stringified), single values, "" → []', () => {
    assert.deepEqual(one('string-slice', [' a ', 2, true]), ['a', '2', '1']);
    assert.deepEqual(one('string-slice', 'a,b'), ['a,b']);
    assert.deepEqual(one('string-slice', ''), []);
    bad('string-slice', [{ a: 1 }]);
  });

  void it('comma-string-slice: comma strings (trimmed), arrays, numbers, "" → []', () => {
    assert.deepEqual(one('comma-string-slice', 'a, b ,c'), ['a', 'b', 'c']);
    assert.deepEqual(one('comma-string-slice', ['x', ' y']), ['x', 'y']);
    assert.deepEqual(one('comma-string-slice', ''), []);
    assert.deepEqual(one('comma-string-slice', 5), ['5']);
    bad('comma-string-slice', { a: 1 });
  });

  void it('absent and null fields: default when declared, else omitted', () => {
    const out = coerceFields(
      { a: { type: 'int', default: 3 }, b: { type: 'string' }, c: { type: 'map', default: { k: 1 } } },
      { b: null, c: null },
    );
    assert.deepEqual(out, { a: 3, c: { k: 1 } });
  });

  void it('defaults are copied, not shared', () => {
    const specs = { c: { type: 'map' as const, default: { k: 1 } } };
    const first = coerceFields(specs, {});
    (first['c'] as Record<string, number>)['k'] = 2;
    assert.deepEqual(coerceFields(specs, {})['c'], { k: 1 });
  });

  void it('keys outside the specs are not copied; inherited properties are not fields', () => {
    assert.deepEqual(coerceFields({ a: { type: 'string' as const } }, { a: 'x', other: 1 }), { a: 'x' });
    assert.deepEqual(coerceFields({ toString: { type: 'string' as const } }, {}), {});
  });

  void it('zero values per type', () => {
    assert.equal(zeroValue('string'), '');
    assert.equal(zeroValue('int'), 0);
    assert.equal(zeroValue('bool'), false);
    assert.equal(zeroValue('duration'), 0);
    assert.deepEqual(zeroValue('map'), {});
    assert.deepEqual(zeroValue('comma-string-slice'), []);
  });
});
