import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CliError, DEFAULT_ADDRESS, readCliEnvironment } from '../src/index.js';

void describe('readCliEnvironment', () => {
  void it('defaults like Vault: https://127.0.0.1:8200, no token, 2 retries, 60 s timeout, ~/.vault-token', () => {
    const env = readCliEnvironment({ HOME: '/home/u' });
    assert.equal(env.address, DEFAULT_ADDRESS);
    assert.equal(env.address, 'https://127.0.0.1:8200');
    assert.equal(env.token, undefined);
    assert.equal(env.maxRetries, 2);
    assert.equal(env.clientTimeoutMs, 60_000);
    assert.equal(env.skipVerify, false);
    assert.equal(env.tokenFile, join('/home/u', '.vault-token'));
  });

  void it('reads the VAULT_ variables', () => {
    const env = readCliEnvironment({
      HOME: '/h',
      VAULT_ADDR: 'http://v:1',
      VAULT_TOKEN: 'vt',
      VAULT_CACERT: '/ca.pem',
      VAULT_SKIP_VERIFY: 'true',
      VAULT_TLS_SERVER_NAME: 'name',
      VAULT_FORMAT: 'json',
      VAULT_MAX_RETRIES: '0',
      VAULT_CLIENT_TIMEOUT: '5s',
    });
    assert.equal(env.address, 'http://v:1');
    assert.equal(env.token, 'vt');
    assert.equal(env.caCert, '/ca.pem');
    assert.equal(env.skipVerify, true);
    assert.equal(env.tlsServerName, 'name');
    assert.equal(env.format, 'json');
    assert.equal(env.maxRetries, 0);
    assert.equal(env.clientTimeoutMs, 5000);
  });

  void it('lets COFFER_ variables win over VAULT_ ones', () => {
    const env = readCliEnvironment({
      VAULT_ADDR: 'http://vault:1',
      COFFER_ADDR: 'http://coffer:2',
      VAULT_TOKEN: 'vault-token',
      COFFER_TOKEN: 'coffer-token',
      VAULT_SKIP_VERIFY: 'false',
      COFFER_SKIP_VERIFY: '1',
      VAULT_FORMAT: 'yaml',
      COFFER_FORMAT: 'json',
      VAULT_TLS_SERVER_NAME: 'a',
      COFFER_TLS_SERVER_NAME: 'b',
      VAULT_CACERT: '/v.pem',
      COFFER_CACERT: '/c.pem',
    });
    assert.equal(env.address, 'http://coffer:2');
    assert.equal(env.token, 'coffer-token');
    assert.equal(env.skipVerify, true);
    assert.equal(env.format, 'json');
    assert.equal(env.tlsServerName, 'b');
    assert.equal(env.caCert, '/c.pem');
  });

  void it('treats empty values as unset', () => {
    const env = readCliEnvironment({ COFFER_ADDR: '', VAULT_ADDR: 'http://v:1', COFFER_TOKEN: '' });
    assert.equal(env.address, 'http://v:1');
    assert.equal(env.token, undefined);
  });

  void it('uses COFFER_TOKEN_FILE instead of ~/.vault-token', () => {
    assert.equal(readCliEnvironment({ HOME: '/h', COFFER_TOKEN_FILE: '/tmp/tok' }).tokenFile, '/tmp/tok');
  });

  void it('rejects unparsable values as usage errors', () => {
    const usage = (vars: Record<string, string>): void => {
      assert.throws(
        () => readCliEnvironment(vars),
        (e: unknown) => e instanceof CliError && e.exitCode === 1,
      );
    };
    usage({ VAULT_SKIP_VERIFY: 'maybe' });
    usage({ VAULT_MAX_RETRIES: 'x' });
    usage({ VAULT_CLIENT_TIMEOUT: 'soon' });
  });
});
