import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getJson, putJson } from '../../src/logical/storage-json.js';
import { memoryStorage } from './memory-storage.js';

void describe('storage-json', () => {
  void it('round-trips JSON values through a view', async () => {
    const view = memoryStorage().view('mount/');
    const value = { a: 1, b: ['x', null, true], c: { d: 'é✓' } };
    await putJson(view, 'k', value);
    assert.deepEqual(await getJson(view, 'k'), value);
  });

  void it('stores UTF-8 JSON text under the view prefix', async () => {
    const root = memoryStorage();
    await putJson(root.view('p/'), 'k', { a: 'é' });
    const bytes = await root.get('p/k');
    assert.ok(bytes);
    assert.equal(new TextDecoder().decode(bytes), '{"a":"é"}');
  });

  void it('returns undefined for absent keys', async () => {
    assert.equal(await getJson(memoryStorage(), 'missing'), undefined);
  });

  void it('refuses values JSON cannot represent', async () => {
    await assert.rejects(putJson(memoryStorage(), 'k', undefined), TypeError);
  });
});
