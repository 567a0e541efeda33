import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { InmemBackend } from '@coffer/barrier';
import { pino } from 'pino';
import { Core } from '../../src/core/core.js';
import type { CoreRequest } from '../../src/core/core-request.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import type { Operation } from '../../src/logical/operation.js';

const logger = pino({ level: 'silent' });

function request(
  operation: Operation,
  path: string,
  token?: string,
  data: Record<string, unknown> = {},
): CoreRequest {
  return {
    id: randomUUID(),
    operation,
    path,
    data,
    token,
    headers: {},
    clientAddress: '127.0.0.1',
    head: false,
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof CofferError) return err.code;
    throw err;
  }
}

/** An HA-mode core over shared storage, initialized by a single-node core first. */
async function haCore(): Promise<{ core: Core; shares: readonly Uint8Array[]; root: string }> {
  const backend = new InmemBackend();
  const first = await Core.open({ backend, logger, storageType: 'inmem' });
  const { shares, rootToken } = await first.initialize({ secretShares: 1, secretThreshold: 1 });
  const core = await Core.open({ backend, logger, storageType: 'raft', ha: true });
  return { core, shares, root: rootToken };
}

void describe('Core in HA mode', () => {
  void it('unseals into standby: no runtime, lifecycle paths answered, everything else "not active"', async () => {
    const { core, shares } = await haCore();
    await core.unseal(shares[0] as Uint8Array);
    assert.equal(core.state, 'standby');
    const status = core.status();
    assert.equal(status.sealed, false);
    assert.equal(status.standby, true);
    assert.equal(status.activeTime, undefined);
    assert.notEqual(status.clusterId, '', 'a standby reports the cluster identity from storage');
    assert.equal(await code(core.handleRequest(request('read', 'secret/x'))), 'NO_ACTIVE_NODE');
    assert.equal(await code(core.handleRequest(request('read', 'sys/mounts'))), 'NO_ACTIVE_NODE');
    const health = await core.handleRequest(request('read', 'sys/health'));
    assert.equal(health.response?.raw?.status, 429);
    assert.equal(
      (await core.handleRequest(request('read', 'sys/health', undefined, { standbyok: 'true' }))).response
        ?.raw?.status,
      200,
    );
  });

  void it('activates on demand and stands by again, dropping the runtime (and its token cache)', async () => {
    const { core, shares, root } = await haCore();
    await core.unseal(shares[0] as Uint8Array);
    await core.activate();
    assert.equal(core.state, 'unsealed');
    assert.ok(core.status().activeTime instanceof Date);
    assert.equal((await core.handleRequest(request('read', 'sys/mounts', root))).mountType, 'system');
    const tokens = core.tokens;
    await core.deactivate();
    assert.equal(core.state, 'standby');
    assert.throws(() => core.tokens, CofferError);
    assert.equal(await code(core.handleRequest(request('read', 'sys/mounts', root))), 'NO_ACTIVE_NODE');
    await core.activate();
    assert.notEqual(core.tokens, tokens, 'a new activation builds a new token store');
    await core.deactivate();
    await core.deactivate();
    assert.equal(core.state, 'standby');
  });

  void it('seals from standby or active', async () => {
    const { core, shares } = await haCore();
    await core.unseal(shares[0] as Uint8Array);
    await core.sealBarrier();
    assert.equal(core.state, 'sealed');
    assert.equal(core.status().sealed, true);
    await core.unseal(shares[0] as Uint8Array);
    await core.activate();
    await core.sealBarrier();
    assert.equal(core.state, 'sealed');
    assert.equal(await code(core.activate()), 'ok');
    assert.equal(core.state, 'sealed', 'activate does nothing unless standby');
  });
});
