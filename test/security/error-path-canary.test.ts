/**
 * Error-path canary (fault-matrix §5b CVE-2025-4166, CVE-2024-8365): requests carrying a canary
 * secret in malformed bodies, wrong-typed fields, query strings, tokens and headers must not
 * echo it in the error response, the server log (debug level) or the audit log (where only its
 * `hmac-sha256:` form may appear). Then the data directory holds no canary in any encoding.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeDir } from '../../packages/server/test/e2e/harness.js';
import { scanForCanaries } from '../fault/harness/canary-scan.js';
import { rawExchange, write } from './raw-http.js';
import { canary, leaked, readText, startSecurityServer, type SecurityServer } from './security-server.js';

let ctx: SecurityServer;
before(async () => {
  ctx = await startSecurityServer({ logLevel: 'debug' });
});
after(async () => {
  if (ctx !== undefined) {
    await ctx.server.stop();
    await removeDir(ctx.server.dir);
  }
});

void describe('error-path canary (real server, debug logs, file audit device)', () => {
  void it('no canary in error bodies, server logs or audit logs, nor at rest', async () => {
    const { server, rootToken } = ctx;
    const c = canary('errpath');
    const t = { token: rootToken };
    const json = { 'Content-Type': 'application/json' };
    const calls: [string, string, Parameters<typeof server.request>[2]][] = [
      ['PUT', 'kv1/e', { ...t, rawBody: `{"password":"${c}"`, headers: json }], // truncated JSON
      ['PUT', 'kv1/e', { ...t, rawBody: `{"password":"${c}",}`, headers: json }],
      ['PUT', 'kv1/e', { ...t, rawBody: `["${c}"]`, headers: json }],
      ['PUT', 'kv1/e', { ...t, rawBody: `{"a":${'['.repeat(600)}"${c}"${']'.repeat(600)}}`, headers: json }],
      ['PUT', 'kv2/data/e', { ...t, body: { data: c } }], // data must be a map
      ['PUT', 'kv2/data/e', { ...t, body: { data: { p: c }, options: { cas: c } } }],
      ['PATCH', 'kv2/data/e', { ...t, body: { data: { p: c } } }], // wrong content type → 415
      ['PUT', 'kv2/config', { ...t, body: { max_versions: c } }],
      ['PUT', 'auth/userpass/users/bob', { ...t, body: { password: c, token_ttl: c } }],
      ['PUT', 'auth/userpass/login/alice', { body: { password: c } }],
      ['PUT', 'auth/userpass/login/nobody', { body: { password: c } }],
      ['PUT', 'auth/approle/login', { body: { role_id: c, secret_id: c } }],
      ['PUT', 'auth/token/create', { ...t, body: { ttl: c, policies: c } }],
      ['PUT', 'auth/token/lookup', { ...t, body: { token: c } }],
      // (Policy text is not secret: like Vault, a parse error names the bad capability.)
      ['PUT', 'sys/unseal', { body: { key: c } }],
      ['PUT', 'sys/tools/hash', { ...t, body: { input: c, algorithm: 'bogus' } }],
      // (Nor are mount types, hash algorithm names or wrap TTLs: Vault echoes a bad one, and so do we.)
      [
        'PUT',
        'sys/mounts/x1',
        { ...t, body: { type: 'kv', description: 7, config: { default_lease_ttl: c } } },
      ],
      ['PUT', 'sys/audit/bad', { ...t, body: { type: 'file', options: { file_path: '', hmac_key: c } } }],
      ['GET', `kv1/e?password=${c}`, t],
      ['GET', `sys/health?standbycode=${c}`, {}],
      ['GET', 'kv1/e', { token: c }],
      ['GET', 'kv1/e', { headers: { Authorization: `Bearer ${c}` } }],
      [
        'PUT',
        'kv1/e',
        {
          ...t,
          rawBody: `password=${c}&x`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        },
      ],
      [
        'PUT',
        'kv1/e',
        {
          ...t,
          rawBody: Buffer.concat([Buffer.from(`{"p":"${c}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
          headers: json,
        },
      ],
    ];
    for (const [method, path, opts] of calls) {
      const res = await server.request(method, path, opts);
      assert.ok(res.status < 500, `${method} ${path}: ${res.status} ${res.text}`);
      if (res.status >= 400)
        assert.deepEqual(leaked(res.text, [c]), [], `${method} ${path} echoed the canary: ${res.text}`);
    }
    // Raw: canary in a malformed request line and in an overlong header.
    for (const bytes of [
      `GET /v1/kv1/${c} HTTP/9.9\r\n\r\n`,
      `GET /v1/kv1/e HTTP/1.1\r\nX-Vault-Token: ${c}${'a'.repeat(40_000)}\r\n\r\n`,
    ]) {
      const r = await rawExchange(server.port, async (s) => void (await write(s, bytes)), 5000);
      assert.deepEqual(leaked(r.raw, [c]), [], r.raw.slice(0, 300));
    }
    // Let the server flush its logs.
    await server.request('GET', 'sys/health');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(leaked(server.logs(), [c]), [], 'canary in the server log');
    const audit = await readText(ctx.auditLog);
    assert.ok(audit.includes('hmac-sha256:'), 'audit log has entries');
    assert.deepEqual(leaked(audit, [c]), [], 'canary in the audit log (raw)');
    // And at rest: nothing under the data dir in any encoding (the audit log is scanned too).
    const hits = await scanForCanaries([join(server.dir, 'data'), ctx.auditLog], [c, ...ctx.secrets]);
    assert.deepEqual(hits, []);
  });
});
