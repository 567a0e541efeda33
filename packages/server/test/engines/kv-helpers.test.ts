import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonMergePatch } from '../../src/engines/kv/json-merge-patch.js';
import { addVersion, deletionTimeFor, emptyKeyMetadata } from '../../src/engines/kv/key-metadata.js';
import { DEFAULT_KV_V2_CONFIG } from '../../src/engines/kv/kv-v2-store.js';
import { formatRfc3339Nano } from '../../src/engines/kv/rfc3339-nano.js';

void describe('jsonMergePatch (RFC 7386 appendix A)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    void it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      const before = JSON.stringify(target);
      assert.deepEqual(jsonMergePatch(target, patch), expected);
      assert.equal(JSON.stringify(target), before, 'target not modified');
    });
  }

  void it('treats __proto__ as an ordinary member', () => {
    const patch = JSON.parse('{"__proto__":{"polluted":true}}') as unknown;
    const out = jsonMergePatch({}, patch) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(JSON.parse(JSON.stringify(out)), JSON.parse('{"__proto__":{"polluted":true}}'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

void describe('formatRfc3339Nano', () => {
  void it('drops trailing zeros like Go', () => {
    assert.equal(formatRfc3339Nano(Date.parse('2024-05-01T10:00:00.000Z')), '2024-05-01T10:00:00Z');
    assert.equal(formatRfc3339Nano(Date.parse('2024-05-01T10:00:00.100Z')), '2024-05-01T10:00:00.1Z');
    assert.equal(formatRfc3339Nano(Date.parse('2024-05-01T10:00:00.123Z')), '2024-05-01T10:00:00.123Z');
    assert.equal(formatRfc3339Nano(Date.parse('2024-05-01T10:00:00.120Z')), '2024-05-01T10:00:00.12Z');
    assert.equal(formatRfc3339Nano(Date.parse('2024-05-01T10:00:00.010Z')), '2024-05-01T10:00:00.01Z');
    assert.equal(formatRfc3339Nano(Date.parse('1970-01-01T00:00:10.000Z')), '1970-01-01T00:00:10Z');
    assert.equal(formatRfc3339Nano(Date.parse('+012345-01-01T00:00:00.500Z')), '+012345-01-01T00:00:00.5Z');
  });
});

void describe('key metadata', () => {
  void it('addVersion slides the window like Vault (oldest_version = last trimmed + 1)', () => {
    let meta = emptyKeyMetadata(0);
    const trimmed: number[] = [];
    const oldest: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const added = addVersion(meta, i, null, 2);
      assert.equal(added.version, i);
      trimmed.push(...added.trimmed);
      meta = added.meta;
      oldest.push(meta.oldestVersion);
    }
    assert.deepEqual(oldest, [0, 1, 2, 3, 4]);
    assert.deepEqual(trimmed, [1, 2, 3]);
    assert.deepEqual(Object.keys(meta.versions), ['4', '5']);
    assert.equal(meta.updatedTime, 5);
    assert.equal(meta.createdTime, 0);
  });

  void it('deletionTimeFor picks the smaller non-zero setting; disabled mount wins', () => {
    const meta = (dva: number) => ({ ...emptyKeyMetadata(0), deleteVersionAfter: dva });
    const config = (dva: number) => ({ ...DEFAULT_KV_V2_CONFIG, deleteVersionAfter: dva });
    assert.equal(deletionTimeFor(1000, config(0), meta(0)), null);
    assert.equal(deletionTimeFor(1000, config(10), meta(0)), 11_000);
    assert.equal(deletionTimeFor(1000, config(0), meta(5)), 6000);
    assert.equal(deletionTimeFor(1000, config(10), meta(5)), 6000);
    assert.equal(deletionTimeFor(1000, config(3), meta(5)), 4000);
    assert.equal(deletionTimeFor(1000, config(-1), meta(5)), null);
  });
});
