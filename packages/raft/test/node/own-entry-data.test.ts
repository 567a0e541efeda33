import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntryType, type Entry } from '../../src/core/types.js';
import { ownEntryData } from '../../src/node/own-entry-data.js';

const entry = (data: Uint8Array, index = 1): Entry => ({ index, term: 1, type: EntryType.Normal, data });

void describe('ownEntryData', () => {
  void it('copies data that is a view into a larger buffer (a pool slab, a received batch)', () => {
    const pooled = Buffer.from('abc'); // from Node's 8 KiB pool
    assert.ok(pooled.buffer.byteLength > pooled.byteLength, 'precondition: a pooled view');
    const batch = new Uint8Array(1000).fill(7);
    const [a, b] = ownEntryData([entry(pooled, 1), entry(batch.subarray(10, 20), 2)]);
    assert.equal(a!.data.buffer.byteLength, 3);
    assert.deepEqual(Buffer.from(a!.data), Buffer.from('abc'));
    assert.equal(b!.data.buffer.byteLength, 10);
    assert.deepEqual([...b!.data], new Array(10).fill(7));
    assert.equal(a!.index, 1);
    assert.equal(b!.index, 2);
  });

  void it('keeps entries that already own their buffer, and empty data', () => {
    const own = entry(new Uint8Array(16));
    const empty = entry(new Uint8Array(0));
    const out = ownEntryData([own, empty]);
    assert.equal(out[0], own);
    assert.equal(out[1], empty);
  });
});
