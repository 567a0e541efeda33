import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeSnapshotMeta,
  encodeSnapshotMeta,
  isRfc3339,
  type SnapshotMeta,
} from '../src/snapshot-meta.js';
import { SnapshotError } from '../src/snapshot-error.js';
import { testMeta } from './support/test-meta.js';

void describe('isRfc3339', () => {
  void it('accepts RFC 3339 date-times', () => {
    for (const t of [
      '2024-01-02T03:04:05Z',
      '2024-01-02T03:04:05.678Z',
      '2024-02-29T23:59:59.123456789+05:30',
      '2016-12-31t23:59:60z',
      '2024-01-02T03:04:05-00:00',
    ]) {
      assert.equal(isRfc3339(t), true, t);
    }
  });

  void it('rejects everything else', () => {
    for (const t of [
      '2024-01-02',
      '2024-01-02 03:04:05Z',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-02T24:00:00Z',
      '2024-01-02T03:04:05',
      '2024-01-02T03:04:05+0530',
      'yesterday',
      '',
    ]) {
      assert.equal(isRfc3339(t), false, t);
    }
  });
});

void describe('encodeSnapshotMeta / decodeSnapshotMeta', () => {
  void it('round-trips, with members in the documented order', () => {
    const json = encodeSnapshotMeta(testMeta());
    assert.deepEqual(Object.keys(JSON.parse(json.toString('utf8')) as object), [
      'format_version',
      'index',
      'term',
      'configuration',
      'created_at',
      'keyring_fingerprint',
      'meta',
    ]);
    assert.deepEqual(decodeSnapshotMeta(json, 1, 16), testMeta());
  });

  void it('ignores members it does not know', () => {
    const json = JSON.parse(encodeSnapshotMeta(testMeta()).toString('utf8')) as Record<string, unknown>;
    const decoded = decodeSnapshotMeta(Buffer.from(JSON.stringify({ ...json, future: [1] })), 1, 16);
    assert.deepEqual(decoded, testMeta());
  });

  void it('refuses metadata that would not read back identically', () => {
    const sparse: unknown[] = [];
    sparse[2] = 1;
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 70; i++) deep = { d: deep };
    const cases: Array<[string, Partial<SnapshotMeta> | Record<string, unknown>]> = [
      ['a negative index', { index: -1 }],
      ['an unsafe integer term', { term: 2 ** 53 }],
      ['a fractional term', { term: 1.5 }],
      ['an array configuration', { configuration: [] as unknown as SnapshotMeta['configuration'] }],
      [
        'undefined inside configuration',
        { configuration: { a: undefined } as unknown as SnapshotMeta['configuration'] },
      ],
      ['NaN inside meta', { meta: { n: Number.NaN } }],
      ['a Date inside meta', { meta: { d: new Date() } as unknown as SnapshotMeta['meta'] }],
      ['a sparse array inside meta', { meta: { s: sparse } as unknown as SnapshotMeta['meta'] }],
      ['nesting deeper than 64', { configuration: deep as SnapshotMeta['configuration'] }],
      ['a created time that is not RFC 3339', { createdAt: '1714979289' }],
      ['a fingerprint that is not a string', { keyringFingerprint: 42 as unknown as string }],
      ['a huge meta map', { meta: { big: 'x'.repeat(1024 * 1024) } }],
    ];
    for (const [what, overrides] of cases) {
      assert.throws(
        () => encodeSnapshotMeta({ ...testMeta(), ...overrides } as SnapshotMeta),
        (e) => SnapshotError.is(e, 'INVALID_INPUT'),
        what,
      );
    }
  });
});
