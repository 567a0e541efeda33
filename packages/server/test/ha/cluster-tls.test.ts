/**
 * Cluster traffic is mutual TLS with the cluster's own CA, on one port per node (`cluster_addr`)
 * that carries both raft and request forwarding: a peer holding a certificate from any other CA
 * (even one naming a member's node id) cannot complete a handshake on it, its raft messages have
 * no effect, its forwarded requests are not run, and a node unsealed with another cluster's keys
 * cannot answer the join challenge.
 */
import assert from 'node:assert/strict';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { GrpcTransport, MessageType, type Message } from '@coffer/raft';
import { createClusterCa } from '../../src/cluster/cluster-ca.js';
import type { ClusterTlsMaterial } from '../../src/cluster/cluster-tls-material.js';
import { ForwardingClient } from '../../src/cluster/forwarding-client.js';
import { ForwardingServer } from '../../src/cluster/forwarding-server.js';
import { issueNodeCertificate } from '../../src/cluster/node-certificate.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { HaCluster, eventually, type HaNodeProcess, type InitResult } from './ha-cluster.js';

let cluster: HaCluster;
let foreign: HaCluster;
let init: InitResult;
let foreignInit: InitResult;
let t1: HaNodeProcess;
let t2: HaNodeProcess;
let t3: HaNodeProcess;
let impostor: ClusterTlsMaterial;

before(async () => {
  cluster = await HaCluster.create(['t1', 't2', 't3'], { logLevel: 'info' });
  foreign = await HaCluster.create(['f1']);
  [t1, t2, t3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
  await Promise.all([cluster.startAll(), foreign.startAll()]);
  init = await cluster.init(t1, 1, 1);
  foreignInit = await foreign.init(foreign.nodes[0] as HaNodeProcess, 1, 1);
  const join = await t2.request('POST', 'sys/storage/raft/join', { body: { leader_api_addr: t1.url } });
  assert.equal(join.status, 200, join.text);
  assert.equal((await t2.unseal(init.keys)).body?.['sealed'], false);
  await cluster.awaitVoters(t1, init.rootToken, ['t1', 't2']);
  // A CA of our own, and a certificate naming a member (t2) for 127.0.0.1.
  const ca = await createClusterCa({ commonName: 'impostor CA' });
  const cert = await issueNodeCertificate(ca, { nodeId: 't2', hosts: ['127.0.0.1'] });
  impostor = { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
});

after(async () => {
  await Promise.all([cluster.destroy(), foreign.destroy()]);
});

/** Opens TLS (h2) to `port` presenting `material` (or no certificate) and reports whether the server ever sent a byte. */
async function handshake(
  port: number,
  material: ClusterTlsMaterial | undefined,
): Promise<{ accepted: boolean; error: string }> {
  return new Promise((resolve) => {
    let received = false;
    let error = '';
    const socket = connect({
      host: '127.0.0.1',
      port,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
      ...(material === undefined ? {} : { cert: material.certPem, key: material.keyPem }),
    });
    socket.on('secureConnect', () => {
      // HTTP/2 client preface: a server that accepted us answers with its SETTINGS frame.
      socket.write(
        Buffer.concat([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
          Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
        ]),
      );
    });
    socket.on('data', () => {
      received = true;
      socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ accepted: received, error }));
    setTimeout(() => socket.destroy(), 5_000);
  });
}

/** The TCP ports a process listens on (Linux: its socket inodes looked up in /proc/<pid>/net/tcp and tcp6). */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m?.[1] !== undefined) inodes.add(m[1]);
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    // tcp6 is absent when the kernel has no IPv6; tcp is always there.
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch((err: unknown) => {
      if (table === 'tcp6') return '';
      throw err;
    });
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (field 9); st 0A is LISTEN.
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue;
      ports.add(parseInt(f[1]?.split(':')[1] ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

async function lastTerm(): Promise<number> {
  const res = await t1.request('GET', 'sys/storage/raft/autopilot/state', { token: init.rootToken });
  assert.equal(res.status, 200, res.text);
  const servers = (res.body?.['data'] as { servers: Record<string, { last_term: number }> }).servers;
  return (servers['t1'] as { last_term: number }).last_term;
}

void describe('cluster TLS', () => {
  void it('(control) the handshake probe sees a server that accepts the certificate it is shown', async () => {
    const server = await ForwardingServer.listen({
      listen: '127.0.0.1:0',
      tls: impostor,
      nodeId: 'control',
      handler: async () => ({ status: 204, headers: {}, body: new Uint8Array(0) }),
    });
    try {
      const port = Number(server.address?.split(':')[1]);
      assert.equal((await handshake(port, impostor)).accepted, true);
      assert.equal((await handshake(port, undefined)).accepted, false);
    } finally {
      server.forceClose();
    }
  });

  void it('serves raft and request forwarding on the one cluster port: a node listens on its API and cluster ports only', async () => {
    // t2 is a standby: this read is forwarded to t1's cluster_addr.
    const read = await t2.request('GET', 'sys/mounts', { token: init.rootToken });
    assert.equal(read.status, 200, read.text);
    for (const node of [t1, t2]) {
      const pid = node.server.child.pid;
      assert.ok(pid !== undefined, `${node.id} has no pid`);
      const expected = [node.apiPort, node.clusterPort].sort((a, b) => a - b);
      assert.deepEqual(
        await listeningPorts(pid),
        expected,
        `${node.id} listens on other ports than its API and cluster ports`,
      );
    }
    assert.doesNotMatch(cluster.logs(), /forwarding_addr/);
  });

  void it('refuses a TLS handshake on the cluster port without a certificate from the cluster CA', async () => {
    for (const material of [impostor, undefined]) {
      const result = await handshake(t1.clusterPort, material);
      assert.equal(
        result.accepted,
        false,
        `handshake accepted (${material === undefined ? 'no certificate' : 'foreign certificate'})`,
      );
    }
  });

  void it('refuses forwarding calls on the cluster port from a peer with a foreign certificate (nothing is sent)', async () => {
    const address = `127.0.0.1:${t1.clusterPort}`;
    assert.equal((await handshake(t1.clusterPort, impostor)).accepted, false);
    const client = new ForwardingClient(address, impostor, { connectTimeoutMs: 2_000 });
    try {
      await assert.rejects(
        client.forward({
          method: 'GET',
          url: '/v1/sys/mounts',
          headers: { 'x-vault-token': [init.rootToken] },
          body: new Uint8Array(0),
          clientAddress: '127.0.0.1',
          requestId: 'r1',
        }),
        (err: unknown) => err instanceof CofferError && err.code === ErrorCode.NoActiveNode,
      );
    } finally {
      client.close();
    }
  });

  void it('ignores raft traffic from an impostor: no election, no term change', async () => {
    const before = await lastTerm();
    const transport = new GrpcTransport({
      id: 't2',
      listen: '127.0.0.1:0',
      tls: { ca: impostor.caPem, cert: impostor.certPem, key: impostor.keyPem },
    });
    await transport.start();
    try {
      transport.addPeer('t1', `127.0.0.1:${t1.clusterPort}`);
      const base = {
        index: 0,
        logTerm: 0,
        entries: [],
        commit: 0,
        reject: false,
        rejectHint: 0,
        hintTerm: 0,
        context: new Uint8Array(0),
      };
      const messages: Message[] = [
        {
          ...base,
          type: MessageType.Vote,
          from: 't2',
          to: 't1',
          term: before + 100,
          index: 1_000_000,
          logTerm: before + 99,
        },
        { ...base, type: MessageType.App, from: 't2', to: 't1', term: before + 100 },
        { ...base, type: MessageType.TimeoutNow, from: 't2', to: 't1', term: before + 100 },
      ];
      for (let i = 0; i < 10; i++) {
        transport.send(messages);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await transport.close();
    }
    assert.equal(await lastTerm(), before);
    assert.equal(await cluster.active(), t1);
  });

  void it("does not admit a node unsealed with another cluster's keys", async () => {
    const join = await t3.request('POST', 'sys/storage/raft/join', { body: { leader_api_addr: t1.url } });
    assert.equal(join.status, 200, join.text);
    const wrong = await t3.unseal(foreignInit.keys);
    assert.equal(wrong.status, 400, wrong.text);
    assert.match(String((wrong.body?.['errors'] as string[])[0]), /join challenge/);
    const config = await t1.request('GET', 'sys/storage/raft/configuration', { token: init.rootToken });
    const ids = (config.body?.['data'] as { config: { servers: { node_id: string }[] } }).config.servers.map(
      (s) => s.node_id,
    );
    assert.deepEqual(ids.sort(), ['t1', 't2']);
    assert.equal((await t3.request('GET', 'sys/seal-status')).body?.['sealed'], true);
    // The right keys still work afterwards.
    const right = await t3.unseal(init.keys);
    assert.equal(right.body?.['sealed'], false, right.text);
    await cluster.awaitVoters(t1, init.rootToken, ['t1', 't2', 't3']);
    await eventually('t3 to serve (forwarded) reads', 10_000, async () =>
      (await t3.request('GET', 'sys/mounts', { token: init.rootToken })).status === 200 ? true : undefined,
    );
  });
});
