/**
 * A real Coffer server process set up for the security sweep: initialised and unsealed, with KV
 * v1 (`kv1/`), KV v2 (`kv2/`), userpass (`auth/userpass/`), approle (`auth/approle/`), the
 * built-in cubbyhole and token auth, and a file audit device. Canary secrets are written through
 * every engine so tests can assert that none of them ever comes back where it must not.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startServer,
  type HttpResult,
  type ServerOptions,
  type ServerProcess,
} from '../../packages/server/test/e2e/harness.js';

export interface SecurityServer {
  readonly server: ServerProcess;
  readonly rootToken: string;
  readonly unsealKeys: readonly string[];
  readonly auditLog: string;
  /** Every secret value written (KV v1/v2, cubbyhole, userpass password, approle secret-id) plus the root token. */
  readonly secrets: readonly string[];
  /** A valid non-root token (default policy only). */
  readonly userToken: string;
}

export function canary(label: string): string {
  return `CANARY-${label}-${randomBytes(12).toString('hex')}`;
}

async function ok(
  res: Promise<HttpResult>,
  what: string,
  expected: readonly number[] = [200, 204],
): Promise<HttpResult> {
  const r = await res;
  assert.ok(expected.includes(r.status), `${what}: ${r.status} ${r.text}`);
  return r;
}

/** Starts and populates the server; the caller stops it (`server.stop()` + `removeDir(server.dir)`). */
export async function startSecurityServer(options: ServerOptions = {}): Promise<SecurityServer> {
  const server = await startServer(options);
  try {
    const { rootToken, keys } = await server.initAndUnseal(1, 1);
    const t = { token: rootToken };
    const auditLog = join(server.dir, 'audit.log');
    await ok(
      server.request('PUT', 'sys/audit/file', {
        ...t,
        body: { type: 'file', options: { file_path: auditLog } },
      }),
      'audit',
    );
    await ok(server.request('POST', 'sys/mounts/kv1', { ...t, body: { type: 'kv' } }), 'mount kv1');
    await ok(
      server.request('POST', 'sys/mounts/kv2', { ...t, body: { type: 'kv', options: { version: '2' } } }),
      'mount kv2',
    );
    await ok(server.request('POST', 'sys/auth/userpass', { ...t, body: { type: 'userpass' } }), 'userpass');
    await ok(server.request('POST', 'sys/auth/approle', { ...t, body: { type: 'approle' } }), 'approle');

    const kv1 = canary('kv1');
    const kv2 = canary('kv2');
    const cubby = canary('cubby');
    const password = canary('password');
    await ok(server.request('PUT', 'kv1/app/config', { ...t, body: { value: kv1 } }), 'kv1 write');
    await ok(
      server.request('PUT', 'kv2/data/app/config', { ...t, body: { data: { value: kv2 } } }),
      'kv2 write',
    );
    await ok(server.request('PUT', 'cubbyhole/app', { ...t, body: { value: cubby } }), 'cubbyhole write');
    await ok(
      server.request('PUT', 'auth/userpass/users/alice', { ...t, body: { password, policies: ['default'] } }),
      'userpass user',
    );
    await ok(
      server.request('PUT', 'auth/approle/role/app', { ...t, body: { token_policies: ['default'] } }),
      'role',
    );
    const sid = await ok(server.request('PUT', 'auth/approle/role/app/secret-id', t), 'secret-id');
    const secretId = String((sid.body?.['data'] as Record<string, unknown>)['secret_id']);
    const created = await ok(
      server.request('POST', 'auth/token/create', { ...t, body: { policies: ['default'] } }),
      'token',
    );
    const userToken = String((created.body?.['auth'] as Record<string, unknown>)['client_token']);
    return {
      server,
      rootToken,
      unsealKeys: keys,
      auditLog,
      secrets: [kv1, kv2, cubby, password, secretId, rootToken, userToken, ...keys],
      userToken,
    };
  } catch (err) {
    await server.stop(2000);
    throw err;
  }
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** The secrets that occur in `text`. */
export function leaked(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => s !== '' && text.includes(s));
}
