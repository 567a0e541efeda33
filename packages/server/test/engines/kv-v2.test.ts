import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageView } from '@coffer/barrier';
import { ErrorCode } from '../../src/errors/error-code.js';
import { createKvEngineFactory } from '../../src/engines/kv/kv-engine-factory.js';
import type { LogicalResponse } from '../../src/logical/logical-response.js';
import { memoryStorage } from '../logical/memory-storage.js';
import { EngineHarness, expectError, TestClock } from './engine-harness.js';
import { wireOf } from '../wire-of.js';

const T0 = '2024-05-01T10:00:00Z';

async function v2(): Promise<{ kv: EngineHarness; clock: TestClock; storage: StorageView }> {
  const clock = new TestClock('2024-05-01T10:00:00.000Z');
  const storage = memoryStorage();
  const factory = createKvEngineFactory({ now: clock.now });
  const engine = await factory.create(
    { path: 'secret/', type: 'kv', accessor: 'kv_2', uuid: 'u-2', options: { version: '2' } },
    storage,
  );
  return { kv: new EngineHarness(engine, storage), clock, storage };
}

function data(resp: LogicalResponse | undefined): Record<string, unknown> {
  assert.ok(resp?.data, 'response has data');
  return resp.data as Record<string, unknown>;
}

function meta(resp: LogicalResponse | undefined): Record<string, unknown> {
  return data(resp)['metadata'] as Record<string, unknown>;
}

/** Every key in a storage view, recursively. */
async function allKeys(storage: StorageView, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const child of await storage.list(prefix)) {
    if (child.endsWith('/')) out.push(...(await allKeys(storage, prefix + child)));
    else out.push(prefix + child);
  }
  return out;
}

void describe('KV v2 config', () => {
  void it('reads defaults', async () => {
    const { kv } = await v2();
    assert.deepEqual(data(await kv.read('config')), {
      cas_required: false,
      delete_version_after: '0s',
      max_versions: 0,
    });
  });

  void it('writes max_versions, cas_required and delete_version_after (Go duration or seconds)', async () => {
    const { kv } = await v2();
    assert.equal(
      await kv.write('config', { max_versions: 5, cas_required: true, delete_version_after: '1h30m' }),
      undefined,
    );
    assert.deepEqual(data(await kv.read('config')), {
      cas_required: true,
      delete_version_after: '1h30m0s',
      max_versions: 5,
    });
    await kv.write('config', { delete_version_after: 90 });
    assert.equal(data(await kv.read('config'))['delete_version_after'], '1m30s');
    assert.equal(data(await kv.read('config'))['max_versions'], 5, 'absent fields keep their value');
  });

  void it('negative delete_version_after disables (-1s); zero clears', async () => {
    const { kv } = await v2();
    await kv.write('config', { delete_version_after: '-5m' });
    assert.equal(data(await kv.read('config'))['delete_version_after'], '-1s');
    await kv.write('config', { delete_version_after: '0s' });
    assert.equal(data(await kv.read('config'))['delete_version_after'], '0s');
  });

  void it('rejects wrongly typed fields (400 naming the field)', async () => {
    const { kv } = await v2();
    await expectError(kv.write('config', { max_versions: 'many' }), ErrorCode.BadRequest, /"max_versions"/);
    await expectError(
      kv.write('config', { cas_required: 'perhaps' }),
      ErrorCode.BadRequest,
      /"cas_required"/,
    );
  });
});

void describe('KV v2 data', () => {
  void it('write returns the version metadata; read returns data + metadata', async () => {
    const { kv } = await v2();
    const written = await kv.write('data/app/db', { data: { user: 'u', n: 1, nested: { a: [1, 2] } } });
    assert.equal(kv.lastOperation, 'create');
    assert.deepEqual(data(written), {
      created_time: '2024-05-01T10:00:00Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
    const read = await kv.read('data/app/db');
    assert.deepEqual(Object.keys(data(read)).sort(), ['data', 'metadata']);
    assert.deepEqual(data(read)['data'], { user: 'u', n: 1, nested: { a: [1, 2] } });
    assert.deepEqual(meta(read), {
      created_time: '2024-05-01T10:00:00Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });
  });

  void it('created_time is RFC3339 with Go-style fractional seconds', async () => {
    const { kv, clock } = await v2();
    clock.ms += 120; // .12
    await kv.write('data/k', { data: { a: 1 } });
    assert.equal(meta(await kv.read('data/k'))['created_time'], '2024-05-01T10:00:00.12Z');
  });

  void it('each write makes a new version; ?version= reads older ones', async () => {
    const { kv, clock } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    clock.advance(1);
    const second = await kv.write('data/k', { data: { v: 2 } });
    assert.equal(kv.lastOperation, 'update');
    assert.equal(data(second)['version'], 2);
    assert.deepEqual(data(await kv.read('data/k'))['data'], { v: 2 });
    const old = await kv.read('data/k', { version: '1' });
    assert.deepEqual(data(old)['data'], { v: 1 });
    assert.equal(meta(old)['version'], 1);
    assert.equal(meta(old)['created_time'], T0);
    assert.deepEqual(data(await kv.read('data/k', { version: 0 }))['data'], { v: 2 }, 'version 0 = current');
  });

  void it('404 with no message for a missing key or an unknown version', async () => {
    const { kv } = await v2();
    await expectError(kv.read('data/missing'), ErrorCode.NotFound, '');
    await kv.write('data/k', { data: { v: 1 } });
    await expectError(kv.read('data/k', { version: 7 }), ErrorCode.NotFound, '');
  });

  void it('a write without data is 400 "no data provided"; non-object data is a field error', async () => {
    const { kv } = await v2();
    await expectError(kv.write('data/k', {}), ErrorCode.BadRequest, 'no data provided');
    await expectError(kv.write('data/k', { options: { cas: 0 } }), ErrorCode.BadRequest, 'no data provided');
    await expectError(kv.write('data/k', { data: 'str' }), ErrorCode.BadRequest, /field "data"/);
  });

  void it('reports unknown body parameters as a warning', async () => {
    const { kv } = await v2();
    const resp = await kv.write('data/k', { data: { a: 1 }, bogus: true });
    assert.deepEqual(resp?.warnings, ['Endpoint ignored these unrecognized parameters: [bogus]']);
  });

  void it('paths ending in / are not data paths', async () => {
    const { kv } = await v2();
    const resp = wireOf(await kv.write('data/dir/', { data: { a: 1 } }), 'kv');
    assert.equal(resp.status, 404);
  });

  void it('stores one metadata record plus one record per version', async () => {
    const { kv, storage } = await v2();
    await kv.write('data/a/b', { data: { v: 1 } });
    await kv.write('data/a/b', { data: { v: 2 } });
    const keys = await allKeys(storage);
    assert.equal(keys.filter((k) => k.startsWith('metadata/')).length, 1);
    assert.deepEqual(
      keys.filter((k) => k.startsWith('metadata/')),
      ['metadata/a/b'],
    );
    assert.equal(keys.filter((k) => k.startsWith('versions/')).length, 2);
    assert.equal(keys.length, 3);
  });
});

void describe('KV v2 check-and-set', () => {
  void it('cas 0 writes only when the key is absent', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { v: 1 }, options: { cas: 0 } });
    await expectError(
      kv.write('data/k', { data: { v: 2 }, options: { cas: 0 } }),
      ErrorCode.CasMismatch,
      'check-and-set parameter did not match the current version',
    );
  });

  void it('cas must equal the current version (numbers or numeric strings)', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    await kv.write('data/k', { data: { v: 2 }, options: { cas: 1 } });
    await kv.write('data/k', { data: { v: 3 }, options: { cas: '2' } });
    await expectError(kv.write('data/k', { data: { v: 4 }, options: { cas: 2 } }), ErrorCode.CasMismatch);
    assert.deepEqual(data(await kv.read('data/k'))['data'], { v: 3 });
  });

  void it('unparseable cas is 400', async () => {
    const { kv } = await v2();
    await expectError(
      kv.write('data/k', { data: { v: 1 }, options: { cas: 'x' } }),
      ErrorCode.BadRequest,
      'error parsing check-and-set parameter',
    );
  });

  void it('cas_required on the mount or the key refuses writes without cas', async () => {
    const { kv } = await v2();
    await kv.write('config', { cas_required: true });
    await expectError(
      kv.write('data/k', { data: { v: 1 } }),
      ErrorCode.BadRequest,
      'check-and-set parameter required for this call',
    );
    await kv.write('data/k', { data: { v: 1 }, options: { cas: 0 } });

    const other = await v2();
    await other.kv.write('metadata/k', { cas_required: true });
    await expectError(other.kv.write('data/k', { data: { v: 1 } }), ErrorCode.BadRequest, /required/);
    await other.kv.write('data/k', { data: { v: 1 }, options: { cas: 0 } });
  });

  void it('concurrent cas:0 writes: exactly one wins', async () => {
    const { kv } = await v2();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => kv.write('data/race', { data: { i }, options: { cas: 0 } })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  void it('concurrent writes get distinct consecutive versions', async () => {
    const { kv } = await v2();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => kv.write('data/busy', { data: { i } })),
    );
    const versions = results.map((r) => data(r)['version'] as number).sort((a, b) => a - b);
    assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(data(await kv.read('metadata/busy'))['current_version'], 8);
  });
});

void describe('KV v2 patch', () => {
  void it('merge-patches the current version into a new version (RFC 7386)', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { keep: 1, drop: 2, nested: { a: 1, b: 2 }, list: [1, 2] } });
    const resp = await kv.patch('data/k', {
      data: { drop: null, nested: { b: null, c: 3 }, list: [3], added: 'x' },
    });
    assert.equal(data(resp)['version'], 2);
    assert.deepEqual(data(await kv.read('data/k'))['data'], {
      keep: 1,
      nested: { a: 1, c: 3 },
      list: [3],
      added: 'x',
    });
    assert.deepEqual(data(await kv.read('data/k', { version: 1 }))['data'], {
      keep: 1,
      drop: 2,
      nested: { a: 1, b: 2 },
      list: [1, 2],
    });
  });

  void it('requires an existing key (404) and data (400)', async () => {
    const { kv } = await v2();
    await expectError(kv.patch('data/none', { data: { a: 1 } }), ErrorCode.NotFound, '');
    await kv.write('data/k', { data: { a: 1 } });
    await expectError(kv.patch('data/k', {}), ErrorCode.BadRequest, 'no data provided');
  });

  void it('honours cas and cas_required', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { a: 1 } });
    await expectError(kv.patch('data/k', { data: { a: 2 }, options: { cas: 5 } }), ErrorCode.CasMismatch);
    await kv.patch('data/k', { data: { a: 2 }, options: { cas: 1 } });
    await kv.write('metadata/k', { cas_required: true });
    await expectError(kv.patch('data/k', { data: { a: 3 } }), ErrorCode.BadRequest, /required/);
  });

  void it('refuses a deleted or destroyed current version with 404 carrying its metadata', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { a: 1 } });
    await kv.delete('data/k');
    const err = await expectError(kv.patch('data/k', { data: { a: 2 } }), ErrorCode.NotFound, '');
    assert.equal(err.data?.['version'], 1);
    assert.equal(err.data?.['deletion_time'], T0);
    await kv.write('data/d', { data: { a: 1 } });
    await kv.write('destroy/d', { versions: [1] });
    const err2 = await expectError(kv.patch('data/d', { data: { a: 2 } }), ErrorCode.NotFound, '');
    assert.equal(err2.data?.['destroyed'], true);
  });
});

void describe('KV v2 soft delete, undelete, destroy', () => {
  void it('DELETE data/ soft-deletes the latest version: read → 404 with data.metadata', async () => {
    const { kv, clock } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    await kv.write('data/k', { data: { v: 2 } });
    clock.advance(5);
    assert.equal(await kv.delete('data/k'), undefined);
    clock.advance(1);
    const err = await expectError(kv.read('data/k'), ErrorCode.NotFound, '');
    assert.deepEqual(err.data, {
      data: null,
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: '2024-05-01T10:00:05Z',
        destroyed: false,
        version: 2,
      },
    });
    assert.deepEqual(
      data(await kv.read('data/k', { version: 1 }))['data'],
      { v: 1 },
      'older versions unaffected',
    );
    clock.advance(10);
    await kv.delete('data/k');
    const versions = data(await kv.read('metadata/k'))['versions'] as Record<string, Record<string, unknown>>;
    assert.equal(versions['2']?.['deletion_time'], '2024-05-01T10:00:05Z', 'deleting again changes nothing');
  });

  void it('DELETE on a missing key is a no-op (204)', async () => {
    const { kv } = await v2();
    assert.equal(await kv.delete('data/none'), undefined);
  });

  void it('delete/ soft-deletes listed versions; undelete/ restores them', async () => {
    const { kv } = await v2();
    for (let i = 1; i <= 3; i++) await kv.write('data/k', { data: { v: i } });
    assert.equal(await kv.write('delete/k', { versions: '1,2' }), undefined);
    await expectError(kv.read('data/k', { version: 1 }), ErrorCode.NotFound);
    await expectError(kv.read('data/k', { version: 2 }), ErrorCode.NotFound);
    assert.deepEqual(data(await kv.read('data/k'))['data'], { v: 3 });
    assert.equal(await kv.write('undelete/k', { versions: [1, 2, 99] }), undefined);
    assert.deepEqual(data(await kv.read('data/k', { version: 1 }))['data'], { v: 1 });
    assert.equal(meta(await kv.read('data/k', { version: 2 }))['deletion_time'], '');
  });

  void it('versions must be given as integers', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    await expectError(kv.write('delete/k', {}), ErrorCode.BadRequest, 'No version number provided');
    await expectError(
      kv.write('undelete/k', { versions: [] }),
      ErrorCode.BadRequest,
      'No version number provided',
    );
    await expectError(
      kv.write('destroy/k', { versions: '' }),
      ErrorCode.BadRequest,
      'no version number provided',
    );
    await expectError(kv.write('delete/k', { versions: ['one'] }), ErrorCode.BadRequest, /field "versions"/);
    assert.equal(await kv.write('delete/missing', { versions: [1] }), undefined, 'missing key: 204');
  });

  void it('destroy/ removes version data permanently; destroyed versions cannot be undeleted', async () => {
    const { kv, storage } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    await kv.write('data/k', { data: { v: 2 } });
    assert.equal(await kv.write('destroy/k', { versions: [1] }), undefined);
    const err = await expectError(kv.read('data/k', { version: 1 }), ErrorCode.NotFound, '');
    assert.deepEqual(err.data?.['data'], null);
    assert.equal((err.data?.['metadata'] as Record<string, unknown>)['destroyed'], true);
    assert.equal((await allKeys(storage)).filter((k) => k.startsWith('versions/')).length, 1);
    await kv.write('undelete/k', { versions: [1] });
    await expectError(kv.read('data/k', { version: 1 }), ErrorCode.NotFound);
    assert.deepEqual(data(await kv.read('data/k'))['data'], { v: 2 });
  });
});

void describe('KV v2 max_versions', () => {
  void it('keeps the newest max_versions versions (mount config) and deletes older data', async () => {
    const { kv, storage } = await v2();
    await kv.write('config', { max_versions: 3 });
    for (let i = 1; i <= 5; i++) await kv.write('data/k', { data: { v: i } });
    const m = data(await kv.read('metadata/k'));
    assert.deepEqual(Object.keys(m['versions'] as object).sort(), ['3', '4', '5']);
    assert.equal(m['current_version'], 5);
    assert.equal(m['oldest_version'], 3);
    await expectError(kv.read('data/k', { version: 2 }), ErrorCode.NotFound, '');
    assert.deepEqual(data(await kv.read('data/k', { version: 3 }))['data'], { v: 3 });
    assert.equal((await allKeys(storage)).filter((k) => k.startsWith('versions/')).length, 3);
  });

  void it('the key setting wins over the mount config; default is 10', async () => {
    const { kv } = await v2();
    await kv.write('config', { max_versions: 5 });
    await kv.write('metadata/k', { max_versions: 2 });
    for (let i = 1; i <= 4; i++) await kv.write('data/k', { data: { v: i } });
    assert.deepEqual(Object.keys(data(await kv.read('metadata/k'))['versions'] as object).sort(), ['3', '4']);

    const other = await v2();
    for (let i = 1; i <= 12; i++) await other.kv.write('data/k', { data: { v: i } });
    const versions = Object.keys(data(await other.kv.read('metadata/k'))['versions'] as object);
    assert.equal(versions.length, 10);
    assert.equal(data(await other.kv.read('metadata/k'))['oldest_version'], 3);
  });

  void it('lowering max_versions trims on the next write', async () => {
    const { kv } = await v2();
    for (let i = 1; i <= 6; i++) await kv.write('data/k', { data: { v: i } });
    await kv.write('metadata/k', { max_versions: 2 });
    assert.equal(Object.keys(data(await kv.read('metadata/k'))['versions'] as object).length, 6);
    await kv.write('data/k', { data: { v: 7 } });
    assert.deepEqual(Object.keys(data(await kv.read('metadata/k'))['versions'] as object).sort(), ['6', '7']);
  });
});

void describe('KV v2 delete_version_after', () => {
  void it('sets a future deletion_time; reads after it are deleted (404 with metadata)', async () => {
    const { kv, clock } = await v2();
    await kv.write('metadata/k', { delete_version_after: '1h' });
    const written = await kv.write('data/k', { data: { v: 1 } });
    assert.equal(data(written)['deletion_time'], '2024-05-01T11:00:00Z');
    clock.advance(3599);
    assert.deepEqual(data(await kv.read('data/k'))['data'], { v: 1 });
    clock.advance(2);
    const err = await expectError(kv.read('data/k'), ErrorCode.NotFound, '');
    assert.equal(
      (err.data?.['metadata'] as Record<string, unknown>)['deletion_time'],
      '2024-05-01T11:00:00Z',
    );
  });

  void it('uses the smaller non-zero of mount and key settings; a negative mount setting disables it', async () => {
    const { kv } = await v2();
    await kv.write('config', { delete_version_after: '10m' });
    await kv.write('metadata/a', { delete_version_after: '1h' });
    assert.equal(data(await kv.write('data/a', { data: { v: 1 } }))['deletion_time'], '2024-05-01T10:10:00Z');
    await kv.write('metadata/b', { delete_version_after: '5m' });
    assert.equal(data(await kv.write('data/b', { data: { v: 1 } }))['deletion_time'], '2024-05-01T10:05:00Z');
    assert.equal(data(await kv.write('data/c', { data: { v: 1 } }))['deletion_time'], '2024-05-01T10:10:00Z');
    await kv.write('config', { delete_version_after: -1 });
    assert.equal(data(await kv.write('data/b', { data: { v: 2 } }))['deletion_time'], '');
  });

  void it('an explicit delete before the deadline deletes now; undelete restarts the countdown', async () => {
    const { kv, clock } = await v2();
    await kv.write('config', { delete_version_after: '1h' });
    await kv.write('data/k', { data: { v: 1 } });
    clock.advance(60);
    await kv.delete('data/k');
    clock.advance(1);
    const err = await expectError(kv.read('data/k'), ErrorCode.NotFound);
    assert.equal(
      (err.data?.['metadata'] as Record<string, unknown>)['deletion_time'],
      '2024-05-01T10:01:00Z',
    );
    await kv.write('undelete/k', { versions: [1] });
    assert.equal(meta(await kv.read('data/k'))['deletion_time'], '2024-05-01T11:01:01Z');
  });

  void it('metadata delete_version_after must not be negative', async () => {
    const { kv } = await v2();
    await expectError(
      kv.write('metadata/k', { delete_version_after: '-1h' }),
      ErrorCode.BadRequest,
      /negative/,
    );
  });
});

void describe('KV v2 metadata', () => {
  void it('GET returns every field with Vault types', async () => {
    const { kv, clock } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    clock.advance(30);
    await kv.write('data/k', { data: { v: 2 } });
    await kv.write('metadata/k', { custom_metadata: { owner: 'team', n: 5 }, delete_version_after: '2h' });
    assert.deepEqual(data(await kv.read('metadata/k')), {
      cas_required: false,
      created_time: T0,
      current_version: 2,
      custom_metadata: { owner: 'team', n: '5' },
      delete_version_after: '2h0m0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2024-05-01T10:00:30Z',
      versions: {
        '1': { created_time: T0, deletion_time: '', destroyed: false },
        '2': { created_time: '2024-05-01T10:00:30Z', deletion_time: '', destroyed: false },
      },
    });
    assert.deepEqual(meta(await kv.read('data/k'))['custom_metadata'], { owner: 'team', n: '5' });
  });

  void it('GET of a missing key is 404', async () => {
    const { kv } = await v2();
    await expectError(kv.read('metadata/none'), ErrorCode.NotFound, '');
    await expectError(kv.read('metadata/'), ErrorCode.NotFound, '');
  });

  void it('POST creates metadata without a version, existence-checked, 204', async () => {
    const { kv } = await v2();
    assert.equal(await kv.write('metadata/new', { max_versions: 4, cas_required: true }), undefined);
    assert.equal(kv.lastOperation, 'create');
    const m = data(await kv.read('metadata/new'));
    assert.equal(m['current_version'], 0);
    assert.equal(m['max_versions'], 4);
    assert.equal(m['cas_required'], true);
    assert.deepEqual(m['versions'], {});
    await expectError(kv.read('data/new'), ErrorCode.NotFound, '');
    await kv.write('metadata/new', { max_versions: 6 });
    assert.equal(kv.lastOperation, 'update');
    assert.equal(data(await kv.read('metadata/new'))['cas_required'], true, 'absent fields keep their value');
  });

  void it('POST with no settings creates nothing', async () => {
    const { kv } = await v2();
    assert.equal(await kv.write('metadata/k', {}), undefined);
    await expectError(kv.read('metadata/k'), ErrorCode.NotFound);
  });

  void it('POST warns when turning off cas_required that the mount requires', async () => {
    const { kv } = await v2();
    await kv.write('config', { cas_required: true });
    const resp = await kv.write('metadata/k', { cas_required: false });
    assert.deepEqual(resp?.warnings, [
      '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
    ]);
  });

  void it('validates custom_metadata like Vault (400)', async () => {
    const { kv } = await v2();
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    await expectError(
      kv.write('metadata/k', { custom_metadata: tooMany }),
      ErrorCode.BadRequest,
      /payload must contain at most 64 keys, provided 65/,
    );
    await expectError(
      kv.write('metadata/k', { custom_metadata: { a: '' } }),
      ErrorCode.BadRequest,
      /length of value/,
    );
    await expectError(
      kv.write('metadata/k', { custom_metadata: { ['x'.repeat(129)]: 'v' } }),
      ErrorCode.BadRequest,
      /length of key/,
    );
    await expectError(
      kv.write('metadata/k', { custom_metadata: { a: 'line\nbreak' } }),
      ErrorCode.BadRequest,
      /unprintable/,
    );
    await expectError(
      kv.write('metadata/k', { custom_metadata: { a: { b: 1 } } }),
      ErrorCode.BadRequest,
      /custom_metadata/,
    );
    await expectError(
      kv.write('metadata/k', { custom_metadata: 'a=b' }),
      ErrorCode.BadRequest,
      /"custom_metadata"/,
    );
    await expectError(kv.read('metadata/k'), ErrorCode.NotFound, '');
  });

  void it('PATCH merges: null removes custom_metadata entries, absent settings are kept', async () => {
    const { kv } = await v2();
    await kv.write('metadata/k', { max_versions: 3, custom_metadata: { a: '1', b: '2' } });
    assert.equal(
      await kv.patch('metadata/k', { custom_metadata: { a: null, c: '3' }, cas_required: true }),
      undefined,
    );
    const m = data(await kv.read('metadata/k'));
    assert.deepEqual(m['custom_metadata'], { b: '2', c: '3' });
    assert.equal(m['max_versions'], 3);
    assert.equal(m['cas_required'], true);
    await kv.patch('metadata/k', { max_versions: null, custom_metadata: null, delete_version_after: '30s' });
    const m2 = data(await kv.read('metadata/k'));
    assert.equal(m2['max_versions'], 0);
    assert.equal(m2['custom_metadata'], null);
    assert.equal(m2['delete_version_after'], '30s');
  });

  void it('PATCH of a missing key is 404', async () => {
    const { kv } = await v2();
    await expectError(kv.patch('metadata/none', { max_versions: 1 }), ErrorCode.NotFound, '');
  });

  void it('DELETE removes every version and the metadata', async () => {
    const { kv, storage } = await v2();
    await kv.write('data/k', { data: { v: 1 } });
    await kv.write('data/k', { data: { v: 2 } });
    await kv.write('data/other', { data: { v: 1 } });
    assert.equal(await kv.delete('metadata/k'), undefined);
    await expectError(kv.read('data/k'), ErrorCode.NotFound, '');
    await expectError(kv.read('metadata/k'), ErrorCode.NotFound, '');
    const keys = await allKeys(storage);
    assert.equal(keys.filter((k) => k.startsWith('metadata/')).length, 1);
    assert.equal(keys.filter((k) => k.startsWith('versions/')).length, 1);
    const again = await kv.write('data/k', { data: { v: 'fresh' } });
    assert.equal(data(again)['version'], 1, 'a deleted key starts over');
    assert.equal(await kv.delete('metadata/none'), undefined);
  });

  void it('LIST returns keys and folders; empty → 404', async () => {
    const { kv } = await v2();
    await expectError(kv.list('metadata/'), ErrorCode.NotFound, '');
    await kv.write('data/a', { data: { v: 1 } });
    await kv.write('data/dir/b', { data: { v: 1 } });
    await kv.write('data/dir/sub/c', { data: { v: 1 } });
    assert.deepEqual(data(await kv.list('metadata/')), { keys: ['a', 'dir/'] });
    assert.deepEqual(data(await kv.list('metadata/dir/')), { keys: ['b', 'sub/'] });
    assert.deepEqual(data(await kv.list('metadata/dir')), { keys: ['b', 'sub/'] });
    await expectError(kv.list('metadata/nothing/'), ErrorCode.NotFound, '');
  });
});

void describe('KV v2 subkeys', () => {
  void it('returns the key structure with null leaves, honouring depth and version', async () => {
    const { kv } = await v2();
    await kv.write('data/k', { data: { a: 1, b: { c: 'x', d: { e: true } }, f: {}, g: [1] } });
    await kv.write('data/k', { data: { only: 'v2' } });
    const full = await kv.read('subkeys/k', { version: 1 });
    assert.deepEqual(data(full)['subkeys'], { a: null, b: { c: null, d: { e: null } }, f: null, g: null });
    assert.equal((data(full)['metadata'] as Record<string, unknown>)['version'], 1);
    assert.deepEqual(data(await kv.read('subkeys/k', { version: 1, depth: 1 }))['subkeys'], {
      a: null,
      b: null,
      f: null,
      g: null,
    });
    assert.deepEqual(data(await kv.read('subkeys/k', { version: '1', depth: '2' }))['subkeys'], {
      a: null,
      b: { c: null, d: null },
      f: null,
      g: null,
    });
    assert.deepEqual(data(await kv.read('subkeys/k'))['subkeys'], { only: null });
  });

  void it('404 for missing keys; 404 with metadata for deleted versions', async () => {
    const { kv } = await v2();
    await expectError(kv.read('subkeys/none'), ErrorCode.NotFound, '');
    await kv.write('data/k', { data: { a: 1 } });
    await kv.delete('data/k');
    const err = await expectError(kv.read('subkeys/k'), ErrorCode.NotFound, '');
    assert.equal(err.data?.['subkeys'], null);
    assert.equal((err.data?.['metadata'] as Record<string, unknown>)['version'], 1);
  });
});

void describe('KV v2 invalid paths', () => {
  void it('v1-style paths answer a 404 envelope with Vault’s hint', async () => {
    const { kv } = await v2();
    const resp = wireOf(await kv.read('foo'), 'kv');
    assert.equal(resp.status, 404);
    assert.equal(resp.contentType, 'application/json');
    const body = resp.body ?? {};
    assert.equal(body['data'], null);
    assert.equal(body['lease_id'], '');
    assert.match(String(body['request_id']), /^[0-9a-f-]{36}$/u);
    assert.deepEqual(body['warnings'], [
      "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
    ]);
    const put = wireOf(await kv.write('foo', { a: 1 }), 'kv').body as { warnings: string[] };
    assert.match(put.warnings[0] ?? '', /'vault kv put'/u);
    const list = wireOf(await kv.list(''), 'kv').body as { warnings: string[] };
    assert.match(list.warnings[0] ?? '', /'vault kv list'/u);
  });

  void it('the bare roots say non-listing operations are unsupported', async () => {
    const { kv } = await v2();
    const body = wireOf(await kv.read('data'), 'kv').body as { warnings: string[] };
    assert.deepEqual(body.warnings, [
      'Non-listing operations on the root of a K/V v2 mount are not supported.',
    ]);
  });
});
