/**
 * Response wrapping in a three-process HA cluster: a wrapped read sent to a standby is forwarded
 * with its `X-Vault-Wrap-TTL` header (the standby's client gets a wrapping token, not the
 * secret); the token unwraps on another node, once only, and looks up on any node.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HaCluster, eventually, type HaNodeProcess, type InitResult } from '../ha/ha-cluster.js';

let cluster: HaCluster | undefined;
let init: InitResult;

before(async () => {
  cluster = await HaCluster.create(['w1', 'w2', 'w3'], {}, (_node, all) => all.map((n) => n.url));
  await cluster.startAll();
  const [w1, w2, w3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
  init = await cluster.init(w1, 1, 1);
  for (const node of [w2, w3]) {
    await eventually(`${node.id} to receive its join challenge`, 20_000, async () => {
      const s = (await node.request('GET', 'sys/seal-status')).body;
      return s?.['initialized'] === true ? true : undefined;
    });
    const res = await node.unseal(init.keys);
    assert.equal(res.body?.['sealed'], false, res.text);
  }
  await cluster.awaitVoters(w1, init.rootToken, ['w1', 'w2', 'w3']);
});

after(async () => {
  await cluster?.destroy();
});

void describe('response wrapping across an HA cluster', () => {
  void it('wraps through a standby (forwarded with the header) and unwraps on another node once', async () => {
    const c = cluster as HaCluster;
    const token = init.rootToken;
    const active = await c.active();
    const [standbyA, standbyB] = c.nodes.filter((n) => n !== active) as [HaNodeProcess, HaNodeProcess];
    const mount = await active.request('POST', 'sys/mounts/secret', {
      token,
      body: { type: 'kv', options: { version: '2' } },
    });
    assert.equal(mount.status, 204, mount.text);
    const put = await standbyA.request('POST', 'secret/data/ha-wrapped', {
      token,
      body: { data: { v: 'ha-secret' } },
    });
    assert.equal(put.status, 200, put.text);

    const wrapped = await standbyA.request('GET', 'secret/data/ha-wrapped', {
      token,
      headers: { 'X-Vault-Wrap-TTL': '2m' },
    });
    assert.equal(wrapped.status, 200, wrapped.text);
    assert.equal(wrapped.body?.['data'], null);
    assert.ok(!wrapped.text.includes('ha-secret'));
    const info = wrapped.body?.['wrap_info'] as Record<string, unknown>;
    assert.equal(info['ttl'], 120);
    const wrappingToken = String(info['token']);

    const lookup = await active.request('POST', 'sys/wrapping/lookup', { body: { token: wrappingToken } });
    assert.equal(lookup.status, 200, lookup.text);
    assert.equal(
      (lookup.body?.['data'] as Record<string, unknown>)['creation_path'],
      'secret/data/ha-wrapped',
    );

    const unwrapped = await standbyB.request('POST', 'sys/wrapping/unwrap', { token: wrappingToken });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    const data = (unwrapped.body?.['data'] as { data: Record<string, unknown> }).data;
    assert.equal(data['v'], 'ha-secret');

    for (const node of [standbyA, active]) {
      const again = await node.request('POST', 'sys/wrapping/unwrap', { token: wrappingToken });
      assert.equal(again.status, 400, `${node.id}: ${again.text}`);
    }
  });
});
