import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runInProcess } from './helpers/run-cli-in-process.js';
import { makeTestCertificates } from './helpers/test-certificates.js';

/** TLS settings from the environment and flags reach the connection. */
void describe('coffer over HTTPS', () => {
  let dir = '';
  let caFile = '';
  let server: Server;
  let address = '';
  const seen: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-cli-tls-'));
    const certs = makeTestCertificates();
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, certs.caPem);
    server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers['x-vault-request'] ?? ''}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url === '/v1/sys/leader')
        res.end(
          JSON.stringify({
            ha_enabled: false,
            is_self: false,
            leader_address: '',
            leader_cluster_address: '',
          }),
        );
      else
        res.end(
          JSON.stringify({
            type: 'shamir',
            initialized: true,
            sealed: false,
            t: 1,
            n: 1,
            progress: 0,
            nonce: '',
            version: 'v',
          }),
        );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string>): Record<string, string> => ({
    HOME: dir,
    VAULT_MAX_RETRIES: '0',
    COFFER_ADDR: address,
    ...extra,
  });

  void it('fails to verify an unknown CA (exit 1 for status, one line)', async () => {
    const r = await runInProcess(['status'], env({}));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error checking seal status: .*(certificate|self.signed|issuer)/i);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  });

  void it('trusts VAULT_CACERT / COFFER_CACERT and -ca-cert', async () => {
    assert.equal((await runInProcess(['status'], env({ VAULT_CACERT: caFile }))).code, 0);
    assert.equal(
      (await runInProcess(['status'], env({ COFFER_CACERT: caFile, VAULT_CACERT: join(dir, 'missing.pem') })))
        .code,
      0,
    );
    assert.equal((await runInProcess(['status', `-ca-cert=${caFile}`], env({}))).code, 0);
    const missing = await runInProcess(['status'], env({ VAULT_CACERT: join(dir, 'missing.pem') }));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error reading CA certificate/);
  });

  void it('skips verification with VAULT_SKIP_VERIFY or -tls-skip-verify', async () => {
    assert.equal((await runInProcess(['status'], env({ VAULT_SKIP_VERIFY: 'true' }))).code, 0);
    assert.equal((await runInProcess(['status', '-tls-skip-verify'], env({}))).code, 0);
    assert.equal(
      (await runInProcess(['status', '-tls-skip-verify=false'], env({ VAULT_SKIP_VERIFY: 'true' }))).code,
      1,
    );
  });

  void it('checks the certificate against VAULT_TLS_SERVER_NAME', async () => {
    assert.equal(
      (await runInProcess(['status'], env({ VAULT_CACERT: caFile, VAULT_TLS_SERVER_NAME: 'coffer.test' })))
        .code,
      0,
    );
    assert.equal(
      (await runInProcess(['status'], env({ VAULT_CACERT: caFile, COFFER_TLS_SERVER_NAME: 'wrong.test' })))
        .code,
      1,
    );
    assert.ok(
      seen.every((line) => line.endsWith(' true')),
      'every request carries X-Vault-Request: true',
    );
  });
});
