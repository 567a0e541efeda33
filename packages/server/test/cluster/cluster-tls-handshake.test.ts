import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import type { ClusterTlsMaterial } from '../../src/cluster/cluster-tls-material.js';
import { issueNodeCertificate } from '../../src/cluster/node-certificate.js';
import { verifyPeerCertificate } from '../../src/cluster/verify-peer-certificate.js';
import { createTestClusterTls, materialOf, type TestClusterTls } from './test-cluster-tls.js';

type Outcome = { readonly ok: true; readonly data: string } | { readonly ok: false; readonly error: Error };

/**
 * Connects, and reads what the server says. With TLS 1.3 the server checks the client certificate
 * after the client's handshake is done, so a refusal shows up as an error (alert) on the socket.
 */
function exchange(port: number, options: tls.ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (error) => {
      socket.destroy();
      resolve({ ok: false, error });
    });
    socket.on('end', () => {
      socket.end();
      resolve(data === '' ? { ok: false, error: new Error('closed without data') } : { ok: true, data });
    });
  });
}

function clientOptions(m: ClusterTlsMaterial): tls.ConnectionOptions {
  return { ca: m.caPem, cert: m.certPem, key: m.keyPem };
}

void describe('cluster TLS handshake (node:tls, mutual TLS on 127.0.0.1)', () => {
  let cluster: TestClusterTls;
  let server: tls.Server;
  let port: number;
  const clientErrors: Error[] = [];

  before(async () => {
    cluster = await createTestClusterTls(['server', 'client']);
    const m = materialOf(cluster, 'server');
    server = tls.createServer(
      { ca: m.caPem, cert: m.certPem, key: m.keyPem, requestCert: true, rejectUnauthorized: true },
      (socket) => {
        // Answer with the node id read from the verified client certificate.
        const raw = socket.getPeerCertificate().raw;
        socket.end(verifyPeerCertificate(m.caPem, new X509Certificate(raw).toString()));
      },
    );
    server.on('tlsClientError', (err) => clientErrors.push(err));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  void it('succeeds with certificates issued by the cluster CA, both sides verified', async () => {
    const outcome = await exchange(port, clientOptions(materialOf(cluster, 'client')));
    assert.deepEqual(outcome, { ok: true, data: 'client' });
  });

  void it('verifies the server by its IP and DNS SAN entries', async () => {
    const m = materialOf(cluster, 'client');
    assert.deepEqual(await exchange(port, { ...clientOptions(m), servername: 'localhost' }), {
      ok: true,
      data: 'client',
    });
  });

  void it('fails with a client certificate from a foreign CA (same CA name, same node id)', async () => {
    const before = clientErrors.length;
    const outcome = await exchange(port, clientOptions(cluster.intruder));
    assert.equal(outcome.ok, false);
    assert.equal(clientErrors.length, before + 1);
  });

  void it('fails without a client certificate', async () => {
    const before = clientErrors.length;
    const outcome = await exchange(port, { ca: cluster.ca.certPem });
    assert.equal(outcome.ok, false);
    assert.equal(clientErrors.length, before + 1);
  });

  void it('fails when the client does not trust the cluster CA', async () => {
    const outcome = await exchange(port, clientOptions(cluster.distrustful));
    assert.equal(outcome.ok, false);
    // The foreign CA has the cluster CA's name: OpenSSL finds it by name and fails on the signature.
    if (!outcome.ok)
      assert.match(String((outcome.error as NodeJS.ErrnoException).code), /SELF_SIGNED|VERIFY|SIGNATURE/);
  });

  void it('fails when the server certificate does not name the address dialled', async () => {
    const elsewhere = await issueNodeCertificate(cluster.ca, {
      nodeId: 'server',
      hosts: ['10.0.0.9', 'elsewhere.example'],
    });
    const other = tls.createServer(
      {
        ca: cluster.ca.certPem,
        cert: elsewhere.certPem,
        key: elsewhere.keyPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (s) => s.end('x'),
    );
    try {
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const outcome = await exchange(
        (other.address() as AddressInfo).port,
        clientOptions(materialOf(cluster, 'client')),
      );
      assert.equal(outcome.ok, false);
      if (!outcome.ok)
        assert.equal((outcome.error as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
