import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend } from '@coffer/barrier';
import { EngineDispatcher } from '../../src/logical/engine-dispatcher.js';
import {
  DEFAULT_MOUNT_CONFIG,
  routerPathOf,
  storagePrefixOf,
  type MountEntry,
} from '../../src/router/mount-entry.js';
import { MountTable } from '../../src/router/mount-table.js';
import { Router, type Route } from '../../src/router/router.js';
import { clearStorage } from '../../src/router/clear-storage.js';

function entry(table: 'secret' | 'auth', path: string, type = 'kv'): MountEntry {
  return {
    table,
    path,
    type,
    description: '',
    accessor: `${type}_00000000`,
    uuid: `uuid-${path.replace(/\//g, '-')}`,
    options: null,
    config: DEFAULT_MOUNT_CONFIG,
    local: false,
    sealWrap: false,
    externalEntropyAccess: false,
  };
}

function route(e: MountEntry): Route {
  return {
    entry: e,
    mountPoint: routerPathOf(e),
    dispatcher: new EngineDispatcher({ paths: [] }),
    storage: new InmemBackendView(),
  };
}

/** A minimal StorageView for routes that never touch storage. */
class InmemBackendView {
  readonly prefix = '';
  async get(): Promise<undefined> {
    return undefined;
  }
  async put(): Promise<void> {}
  async delete(): Promise<void> {}
  async list(): Promise<string[]> {
    return [];
  }
  view(): InmemBackendView {
    return this;
  }
}

void describe('Router', () => {
  const router = new Router([
    route(entry('secret', 'secret/')),
    route(entry('secret', 'secret/team/')),
    route(entry('auth', 'token/', 'token')),
    route(entry('secret', 'sys/', 'system')),
  ]);

  void it('matches the longest mount point', () => {
    assert.equal(router.match('secret/team/x')?.route.mountPoint, 'secret/team/');
    assert.equal(router.match('secret/team/x')?.relativePath, 'x');
    assert.equal(router.match('secret/teams/x')?.route.mountPoint, 'secret/');
    assert.equal(router.match('auth/token/create')?.route.mountPoint, 'auth/token/');
    assert.equal(router.match('auth/token/create')?.relativePath, 'create');
  });

  void it('treats a mount path without its slash as the mount itself', () => {
    assert.equal(router.match('secret')?.route.mountPoint, 'secret/');
    assert.equal(router.match('secret')?.relativePath, '');
    // As Vault's router: the slash is only appended when nothing matched without it.
    assert.equal(router.match('secret/team')?.route.mountPoint, 'secret/');
    assert.equal(router.match('secret/team/')?.route.mountPoint, 'secret/team/');
  });

  void it('has no route for unmounted paths', () => {
    assert.equal(router.match('nope/x'), undefined);
    assert.equal(router.match('secre'), undefined);
    assert.equal(router.match('auth/userpass/login'), undefined);
  });

  void it('is immutable: with/without build new routers', () => {
    const fewer = router.without('secret/team/');
    assert.equal(fewer.match('secret/team/x')?.route.mountPoint, 'secret/');
    assert.equal(router.match('secret/team/x')?.route.mountPoint, 'secret/team/');
    const more = router.with(route(entry('secret', 'kv/')));
    assert.equal(more.match('kv/a')?.route.mountPoint, 'kv/');
    assert.equal(router.match('kv/a'), undefined);
  });
});

void describe('mount entries and tables', () => {
  void it('places storage views by table and type', () => {
    assert.equal(storagePrefixOf(entry('secret', 'secret/')), 'logical/uuid-secret-/');
    assert.equal(storagePrefixOf(entry('auth', 'userpass/', 'userpass')), 'auth/uuid-userpass-/');
    assert.equal(storagePrefixOf(entry('auth', 'token/', 'token')), 'sys/token/');
    assert.equal(storagePrefixOf(entry('secret', 'sys/', 'system')), 'sys/');
    assert.equal(routerPathOf(entry('auth', 'token/', 'token')), 'auth/token/');
  });

  void it('persists a table as JSON and reads it back', async () => {
    const storage = new InmemBackend();
    assert.equal(await MountTable.load(storage, 'secret'), undefined);
    const table = new MountTable('secret', [
      entry('secret', 'b/'),
      {
        ...entry('secret', 'a/'),
        options: { version: '2' },
        config: { ...DEFAULT_MOUNT_CONFIG, defaultLeaseTtl: 60, listingVisibility: 'unauth' },
      },
    ]);
    await table.save(storage);
    const raw = JSON.parse(new TextDecoder().decode(await storage.get('core/mounts'))) as {
      entries: { path: string }[];
    };
    assert.deepEqual(
      raw.entries.map((e) => e.path),
      ['a/', 'b/'],
    );
    const loaded = await MountTable.load(storage, 'secret');
    assert.deepEqual(loaded?.entries, table.entries);
    assert.equal(loaded?.find('a/')?.config.defaultLeaseTtl, 60);
    assert.deepEqual(
      loaded?.without('a/').entries.map((e) => e.path),
      ['b/'],
    );
    assert.equal(table.entries.length, 2, 'without() does not mutate');
  });

  void it('clearStorage deletes every key below a prefix, depth first', async () => {
    const storage = new InmemBackend();
    const bytes = new Uint8Array([1]);
    for (const k of ['logical/u/a', 'logical/u/b/c', 'logical/u/b/d/e', 'logical/v/keep'])
      await storage.put(k, bytes);
    const view = {
      prefix: 'logical/u/',
      get: (k: string) => storage.get(`logical/u/${k}`),
      put: (k: string, v: Uint8Array) => storage.put(`logical/u/${k}`, v),
      delete: (k: string) => storage.delete(`logical/u/${k}`),
      list: (p: string) => storage.list(`logical/u/${p}`),
    };
    await clearStorage(view);
    assert.deepEqual(await storage.list('logical/'), ['v/']);
  });
});
