import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend } from '@coffer/barrier';
import { EngineDispatcher } from '../../src/logical/engine-dispatcher.js';
import type { LogicalRequest } from '../../src/logical/logical-request.js';
import type { LogicalResponse } from '../../src/logical/logical-response.js';
import type { Operation } from '../../src/logical/operation.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import type { NodeStatus, SysBackend } from '../../src/sys/sys-backend.js';
import { sysLifecyclePaths } from '../../src/sys/sys-lifecycle-paths.js';
import { sanitizeMountPath } from '../../src/sys/sys-mount-paths.js';

/** A SysBackend whose status the test sets; records lifecycle calls. */
class FakeBackend {
  status_: NodeStatus = {
    initialized: true,
    sealed: false,
    standby: false,
    seal: { type: 'shamir', t: 3, n: 5, progress: 0, nonce: '' },
    clusterName: 'c',
    clusterId: 'id',
    activeTime: new Date(0),
    storageType: 'file',
    version: 'v',
    buildDate: 'b',
  };
  calls: string[] = [];
  status(): NodeStatus {
    return this.status_;
  }
  async initialize(p: { secretShares: number; secretThreshold: number }) {
    this.calls.push(`init ${p.secretShares}/${p.secretThreshold}`);
    return { shares: [new Uint8Array([1, 2, 255])], rootToken: 'hvs.root' };
  }
  async unseal(share: Uint8Array) {
    this.calls.push(`unseal ${Buffer.from(share).toString('hex')}`);
  }
  resetUnseal() {
    this.calls.push('reset');
  }
  async seal() {
    this.calls.push('seal');
  }
}

const backend = new FakeBackend();
const dispatcher = new EngineDispatcher({ paths: sysLifecyclePaths(backend as unknown as SysBackend) });

async function call(
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const matched = dispatcher.match(path);
  assert.ok(matched, path);
  const req: LogicalRequest = {
    id: 'r',
    operation,
    fullPath: `sys/${path}`,
    mountPoint: 'sys/',
    mountType: 'system',
    mountAccessor: '',
    path,
    data,
    headers: {},
    auth: undefined,
    clientAddress: '',
    storage: new InmemBackend() as unknown as LogicalRequest['storage'],
  };
  const res = (await dispatcher.handle(req, matched)) as LogicalResponse;
  assert.ok(res.raw, 'bare JSON');
  assert.equal(res.raw.contentType, 'application/json');
  return { status: res.raw.status, body: JSON.parse(String(res.raw.body)) as Record<string, unknown> };
}

function withStatus(patch: Partial<NodeStatus>): void {
  backend.status_ = { ...backend.status_, ...patch };
}

void describe('sys/health', () => {
  void it('follows the precedence uninit → sealed → standby → active with default codes', async () => {
    withStatus({ initialized: false, sealed: true, standby: true });
    assert.equal((await call('read', 'health')).status, 501);
    withStatus({ initialized: true, sealed: true, standby: true });
    assert.equal((await call('read', 'health')).status, 503);
    withStatus({ sealed: false, standby: true });
    assert.equal((await call('read', 'health')).status, 429);
    assert.equal((await call('read', 'health', { standbyok: 'true' })).status, 200);
    withStatus({ sealed: false, standby: false });
    assert.equal((await call('read', 'health')).status, 200);
  });

  void it("honours every *code override, including the Go client's 299s", async () => {
    withStatus({ initialized: false, sealed: true, standby: true });
    const go = {
      uninitcode: '299',
      sealedcode: '299',
      standbycode: '299',
      drsecondarycode: '299',
      performancestandbycode: '299',
      removedcode: '299',
      haunhealthycode: '299',
    };
    assert.equal((await call('read', 'health', go)).status, 299);
    withStatus({ initialized: true });
    assert.equal((await call('read', 'health', { sealedcode: '204' })).status, 204);
    withStatus({ sealed: false, standby: true });
    assert.equal((await call('read', 'health', { standbycode: '218' })).status, 218);
    assert.equal((await call('read', 'health', { standbyok: 'true', activecode: '202' })).status, 202);
    withStatus({ standby: false });
    assert.equal((await call('read', 'health', { activecode: '299', sealedcode: '500' })).status, 299);
  });

  void it('rejects bad integers and out-of-range codes with 400', async () => {
    for (const data of [
      { activecode: 'abc' },
      { sealedcode: '2.5' },
      { activecode: '99' },
      { activecode: '1000' },
      { standbyok: 'maybe' },
    ]) {
      await assert.rejects(
        call('read', 'health', data),
        (e: unknown) => e instanceof CofferError && e.code === 'BAD_REQUEST',
        JSON.stringify(data),
      );
    }
  });

  void it('reports the body fields, with cluster identity only when unsealed', async () => {
    withStatus({ initialized: true, sealed: false, standby: false });
    const { body } = await call('read', 'health');
    for (const k of [
      'initialized',
      'sealed',
      'standby',
      'performance_standby',
      'replication_performance_mode',
      'replication_dr_mode',
      'server_time_utc',
      'version',
      'cluster_name',
      'cluster_id',
    ]) {
      assert.ok(Object.hasOwn(body, k), k);
    }
    withStatus({ sealed: true });
    const sealed = (await call('read', 'health')).body;
    assert.equal(sealed['cluster_id'], undefined);
  });
});

void describe('sys/seal-status, sys/leader', () => {
  void it('seal-status has every field the Go client decodes', async () => {
    withStatus({
      initialized: true,
      sealed: true,
      seal: { type: 'shamir', t: 3, n: 5, progress: 2, nonce: 'n-1' },
    });
    const { body } = await call('read', 'seal-status');
    assert.deepEqual(body, {
      type: 'shamir',
      initialized: true,
      sealed: true,
      t: 3,
      n: 5,
      progress: 2,
      nonce: 'n-1',
      version: 'v',
      build_date: 'b',
      migration: false,
      recovery_seal: false,
      storage_type: 'file',
      removed_from_cluster: false,
    });
    withStatus({ sealed: false });
    const unsealed = (await call('read', 'seal-status')).body;
    assert.equal(unsealed['cluster_name'], 'c');
    assert.equal(unsealed['cluster_id'], 'id');
  });

  void it('leader: 503 while sealed; non-HA fields with a parseable active_time', async () => {
    withStatus({ sealed: true });
    await assert.rejects(
      call('read', 'leader'),
      (e: unknown) => e instanceof CofferError && e.code === 'SEALED' && e.message === 'Vault is sealed',
    );
    withStatus({ sealed: false });
    const { body } = await call('read', 'leader');
    assert.equal(body['ha_enabled'], false);
    assert.ok(!Number.isNaN(Date.parse(String(body['active_time']))));
  });
});

void describe('sys/init and sys/unseal', () => {
  void it('init passes shares/threshold and returns hex + base64 keys and the root token', async () => {
    backend.calls = [];
    const { body } = await call('update', 'init', { secret_shares: 5, SECRET_THRESHOLD: 3 });
    assert.deepEqual(backend.calls, ['init 5/3']);
    assert.deepEqual(body, { keys: ['0102ff'], keys_base64: ['AQL/'], root_token: 'hvs.root' });
    withStatus({ initialized: false });
    assert.deepEqual((await call('read', 'init')).body, { initialized: false });
  });

  void it('init refuses PGP and recovery parameters and non-integer counts', async () => {
    for (const data of [
      { secret_shares: 1, secret_threshold: 1, pgp_keys: ['k'] },
      { secret_shares: 1, secret_threshold: 1, recovery_shares: 2 },
      { secret_shares: '5', secret_threshold: 3 },
    ]) {
      await assert.rejects(call('update', 'init', data), CofferError, JSON.stringify(data));
    }
  });

  void it('unseal: key case-insensitive, hex or base64; reset wins; missing key is a 400 in Vault words', async () => {
    withStatus({ initialized: true, sealed: true });
    backend.calls = [];
    await call('update', 'unseal', { KEY: '0a0b' });
    await call('update', 'unseal', { key: 'CgsM' });
    await call('update', 'unseal', { key: '0a0b', reset: true });
    assert.deepEqual(backend.calls, ['unseal 0a0b', 'unseal 0a0b0c', 'reset']);
    await assert.rejects(
      call('update', 'unseal', {}),
      (e: unknown) =>
        e instanceof CofferError &&
        e.message === "'key' must be specified in request body as JSON, or 'reset' set to true",
    );
    await assert.rejects(
      call('update', 'unseal', { key: 'zz top' }),
      (e: unknown) => e instanceof CofferError && e.message === "'key' must be a valid hex or base64 string",
    );
    withStatus({ initialized: false });
    await assert.rejects(
      call('update', 'unseal', { key: '0a0b' }),
      (e: unknown) => e instanceof CofferError && e.message === 'Vault is not initialized',
    );
  });

  void it('seal is root-protected', () => {
    const seal = dispatcher.match('seal');
    assert.equal(seal?.spec.rootProtected, true);
    for (const p of ['init', 'unseal', 'seal-status', 'health', 'leader'])
      assert.equal(dispatcher.match(p)?.spec.unauthenticated, true, p);
  });
});

void describe('sanitizeMountPath', () => {
  void it('strips leading slashes and adds one trailing slash', () => {
    assert.equal(sanitizeMountPath('/secret'), 'secret/');
    assert.equal(sanitizeMountPath('a/b/'), 'a/b/');
    assert.equal(sanitizeMountPath(' kv '), 'kv/');
    assert.equal(sanitizeMountPath(''), '');
  });
});
