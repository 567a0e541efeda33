import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valueKey } from './value-key.js';

void describe('valueKey', () => {
  void it('distinguishes types, treats undefined as null, ignores object key order', () => {
    assert.notEqual(valueKey('1'), valueKey(1));
    assert.equal(valueKey(undefined), valueKey(null));
    assert.notEqual(valueKey(false), valueKey(null));
    assert.equal(valueKey({ a: 1, b: [1, { d: 2, c: 3 }] }), valueKey({ b: [1, { c: 3, d: 2 }], a: 1 }));
    assert.notEqual(valueKey([1, 2]), valueKey([2, 1]));
  });
});
