/**
 * HTTP malformed-input and size fuzz against a real server process (fault-matrix §5b
 * CVE-2023-6337, CVE-2025-6203/59043; §5c "Request limits"): oversized bodies, deep and wide JSON,
 * huge strings, invalid UTF-8, wrong content types, NUL and `..` in paths, overlong headers,
 * slowloris, random bytes and pipelined garbage on the socket, bad tokens, bad LIST framing, bad
 * wrap TTLs. After every batch the server must still answer `sys/health`; no response may be a
 * 5xx; 4xx answers carry `{"errors":[...]}`; RSS stays bounded (the maximum is printed).
 * Seeded (`HTTP_FUZZ_SEED`), bounded in count and time.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { removeDir } from '../../packages/server/test/e2e/harness.js';
import { rawExchange, write, type RawResponse } from './raw-http.js';
import { startSecurityServer, type SecurityServer } from './security-server.js';

const SEED = Number(process.env['HTTP_FUZZ_SEED'] ?? '4242');
let ctx: SecurityServer;
let port = 0;
let maxRssMb = 0;
let baseRssMb = 0;

function rssMb(): number {
  const pid = ctx.server.child.pid;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    const mb = m === null ? 0 : Number(m[1]) / 1024;
    maxRssMb = Math.max(maxRssMb, mb);
    return mb;
  } catch {
    return 0;
  }
}

/** The server is alive and serving after a batch. */
async function healthy(what: string): Promise<void> {
  rssMb();
  assert.ok(ctx.server.alive, `server died after ${what}:\n${ctx.server.logs().slice(-3000)}`);
  const res = await ctx.server.request('GET', 'sys/health');
  assert.equal(res.status, 200, `sys/health after ${what}: ${res.status} ${res.text}`);
}

/** A refused request: 4xx with a Vault error body (when it has a JSON body). */
function assertRefused(r: RawResponse, what: string, statuses?: readonly number[]): void {
  assert.ok(r.status !== 0 || r.closed, `${what}: no answer and not closed`);
  if (r.status === 0) return; // closed without an answer: acceptable for garbage
  assert.ok(r.status < 500, `${what}: ${r.status} ${r.body.slice(0, 300)}`);
  if (statuses !== undefined)
    assert.ok(statuses.includes(r.status), `${what}: ${r.status} ${r.body.slice(0, 300)}`);
  if (r.status >= 400 && r.body !== '') {
    const parsed = JSON.parse(r.body) as { errors?: unknown };
    assert.ok(Array.isArray(parsed.errors), `${what}: error body ${r.body.slice(0, 300)}`);
  }
}

function req(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer = '',
): Buffer {
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    (len > 0 || method === 'PUT' || method === 'POST' ? `Content-Length: ${len}\r\n` : '') +
    '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body) : body]);
}

async function once(bytes: Buffer, timeoutMs = 20_000): Promise<RawResponse> {
  return rawExchange(port, async (s) => void (await write(s, bytes)), timeoutMs);
}

before(async () => {
  ctx = await startSecurityServer({ logLevel: 'debug' });
  port = ctx.server.port;
  baseRssMb = rssMb();
});
after(async () => {
  if (ctx !== undefined) {
    console.log(`http fuzz: RSS baseline ${baseRssMb.toFixed(0)} MB, max ${maxRssMb.toFixed(0)} MB`);
    await ctx.server.stop();
    await removeDir(ctx.server.dir);
  }
});

void describe('HTTP malformed-input and size fuzz (real server)', () => {
  void it('a 33 MiB body is refused with 413 before it is buffered (CVE-2023-6337)', async () => {
    const size = 33 * 1024 * 1024;
    for (const token of [undefined, ctx.rootToken]) {
      const r = await rawExchange(
        port,
        async (s) => {
          const head =
            `PUT /v1/kv1/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n` +
            (token === undefined ? '' : `X-Vault-Token: ${token}\r\n`) +
            '\r\n';
          await write(s, head + '{"v":"');
        },
        10_000,
        true,
      );
      assertRefused(r, '33 MiB Content-Length', [413]);
      assert.ok(r.ms < 5000, `413 took ${r.ms} ms (not waiting for the body)`);
    }
    // Chunked: no length up front; the server must stop reading at the limit.
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const r = await rawExchange(
      port,
      async (s) => {
        await write(
          s,
          `PUT /v1/kv1/big HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ctx.rootToken}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        for (let i = 0; i < 40 && !s.destroyed; i++) {
          if (!(await write(s, `${chunk.length.toString(16)}\r\n`))) break;
          if (!(await write(s, chunk))) break;
          if (!(await write(s, '\r\n'))) break;
        }
        await write(s, '0\r\n\r\n');
      },
      30_000,
      true,
    );
    assertRefused(r, '40 MiB chunked', [413]);
    await healthy('oversized bodies');
  });

  void it('deep (100k levels), wide (10^6 keys) and huge-string JSON: 4xx or stored, never 5xx; RSS bounded', async () => {
    const t = { 'X-Vault-Token': ctx.rootToken, 'Content-Type': 'application/json' };
    const deep = `{"v":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const deepObj = `{"v":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`;
    for (const [what, body] of [
      ['deep array', deep],
      ['deep object', deepObj],
    ] as const) {
      for (const path of [
        '/v1/kv1/deep',
        '/v1/kv2/data/deep',
        '/v1/sys/policies/acl/deep',
        '/v1/auth/token/create',
      ]) {
        const r = await once(req('PUT', path, t, body));
        assertRefused(r, `${what} → ${path}`);
        await healthy(`${what} → ${path}`);
      }
    }
    const wide = '{' + Array.from({ length: 1_000_000 }, (_, i) => `"k${i}":${i}`).join(',') + '}';
    // Accepted (no entry-count limit yet) but slow: ~22 µs per key, so allow 3 minutes on a busy box.
    const wideStart = Date.now();
    let r = await once(req('PUT', '/v1/kv1/wide', t, wide), 180_000);
    console.log(`http fuzz: 10^6-key JSON answered ${r.status} in ${Date.now() - wideStart} ms`);
    assertRefused(r, 'wide JSON');
    await healthy('wide JSON');
    const huge = `{"v":"${'x'.repeat(30 * 1024 * 1024)}"}`;
    r = await once(req('PUT', '/v1/kv1/huge', t, huge), 60_000);
    assertRefused(r, 'huge string');
    await healthy('huge string');
    // Many strings (CVE-2025-59043): 10^5 string values.
    const strings = `{"v":[${Array.from({ length: 100_000 }, () => '"s"').join(',')}]}`;
    r = await once(req('PUT', '/v1/kv1/strings', t, strings), 60_000);
    assertRefused(r, 'many strings');
    await healthy('many strings');
    // Without Vault's JSON entry/string limits, 10^6 keys and a 30 MB string cost ~800 MB transiently.
    assert.ok(maxRssMb - baseRssMb < 1536, `RSS grew from ${baseRssMb} to ${maxRssMb} MB`);
  });

  void it('invalid UTF-8, wrong content types, NUL and `..` in paths, bad wrap TTLs, bad tokens', async () => {
    const t = { 'X-Vault-Token': ctx.rootToken };
    const cases: [string, Buffer, readonly number[] | undefined][] = [
      [
        'invalid utf-8 body',
        req(
          'PUT',
          '/v1/kv1/u',
          { ...t, 'Content-Type': 'application/json' },
          Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        ),
        undefined,
      ],
      ['bare invalid bytes', req('PUT', '/v1/kv1/u', t, Buffer.from([0xc3, 0x28, 0xa0, 0xa1])), [400]],
      ['json array body', req('PUT', '/v1/kv1/u', t, '[1,2]'), [400]],
      ['json string body', req('PUT', '/v1/kv1/u', t, '"x"'), [400]],
      [
        'multipart',
        req('PUT', '/v1/kv1/u', { ...t, 'Content-Type': 'multipart/form-data; boundary=x' }, '--x\r\n'),
        [400],
      ],
      ['xml', req('PUT', '/v1/kv1/u', { ...t, 'Content-Type': 'application/xml' }, '<a/>'), [400]],
      ['gzip lie', req('PUT', '/v1/kv1/u', { ...t, 'Content-Encoding': 'gzip' }, 'not gzip'), [400, 415]],
      ['br encoding', req('PUT', '/v1/kv1/u', { ...t, 'Content-Encoding': 'br' }, '{}'), [400, 415]],
      ['patch without merge type', req('PATCH', '/v1/kv2/data/u', t, '{}'), [415]],
      ['NUL in path', req('GET', '/v1/kv1/a%00b', t), [400]],
      ['raw NUL in path', req('GET', '/v1/kv1/a\u0000b', t), [400]],
      ['bad percent escape', req('GET', '/v1/kv1/%zz', t), [400]],
      ['dot-dot', req('GET', '/v1/kv1/../sys/mounts', t), [301]],
      ['encoded dot-dot', req('GET', '/v1/kv1/%2e%2e/sys/mounts', t), [301]],
      ['double slash', req('GET', '/v1/kv1//x', t), [301]],
      ['trailing dot', req('GET', '/v1/kv1/x.', t), [404]],
      ['control char', req('GET', '/v1/kv1/%07', t), [400]],
      ['wrap ttl -1', req('GET', '/v1/kv1/x', { ...t, 'X-Vault-Wrap-TTL': '-1' }), [400]],
      ['wrap ttl junk', req('GET', '/v1/kv1/x', { ...t, 'X-Vault-Wrap-TTL': 'abc' }), [400]],
      ['wrap ttl huge', req('GET', '/v1/kv1/x', { ...t, 'X-Vault-Wrap-TTL': '9'.repeat(400) }), [400]],
      ['wrap ttl float', req('GET', '/v1/kv1/x', { ...t, 'X-Vault-Wrap-TTL': '1e309' }), [400]],
      ['token empty', req('GET', '/v1/kv1/x', { 'X-Vault-Token': '' }), [403]],
      ['token spaces', req('GET', '/v1/kv1/x', { 'X-Vault-Token': '   ' }), [403]],
      ['token 8 KiB', req('GET', '/v1/kv1/x', { 'X-Vault-Token': 'h'.repeat(8192) }), [403]],
      ['token latin1 high bytes', req('GET', '/v1/kv1/x', { 'X-Vault-Token': 'hvs.\u00ff\u00fe' }), [403]],
      [
        'token duplicate',
        Buffer.from(
          `GET /v1/kv1/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: a\r\nX-Vault-Token: ${ctx.rootToken}\r\nConnection: close\r\n\r\n`,
        ),
        [200, 403, 404],
      ],
      ['bearer empty', req('GET', '/v1/kv1/x', { Authorization: 'Bearer ' }), [403]],
      ['bearer junk', req('GET', '/v1/kv1/x', { Authorization: 'Bearer \u00e9\u00e9' }), [403]],
      ['root-ish token', req('GET', '/v1/sys/mounts', { 'X-Vault-Token': 'root' }), [403]],
      ['unknown method', req('BREW', '/v1/kv1/x', t), [400, 405]],
      ['list with body', req('LIST', '/v1/kv1/', t, '{"a":1}'), [200, 400, 404]],
      [
        'list lower-case',
        Buffer.from('list /v1/kv1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        [400, 403, 405],
      ],
      ['list no version', Buffer.from('LIST /v1/kv1/\r\n\r\n'), [400]],
      ['list double space', Buffer.from('LIST  /v1/kv1/ HTTP/1.1\r\nHost: x\r\n\r\n'), [400]],
      [
        'list bad chunking',
        Buffer.from(
          `LIST /v1/kv1/ HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ctx.rootToken}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
        ),
        [400],
      ],
      [
        'list CL+TE',
        Buffer.from(
          'LIST /v1/kv1/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        ),
        [400],
      ],
      ['list HTTP/2 version', Buffer.from('LIST /v1/kv1/ HTTP/2.0\r\nHost: x\r\n\r\n'), [400, 403, 505]],
      ['list query list=maybe', req('GET', '/v1/kv1/?list=maybe', t), [400]],
    ];
    for (const [what, bytes, statuses] of cases) {
      const r = await once(bytes);
      assertRefused(r, what, statuses);
    }
    await healthy('malformed batch');
  });

  void it('overlong headers get 431 and slowloris heads are cut off (408/close) in bounded time', async () => {
    let r = await once(req('GET', '/v1/sys/health', { 'X-Big': 'a'.repeat(40 * 1024) }));
    assertRefused(r, 'overlong header', [431]);
    r = await once(
      req(
        'GET',
        '/v1/sys/health',
        Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`X-H${i}`, 'v'])),
      ),
    );
    assertRefused(r, 'many headers', [431]);
    r = await once(Buffer.from(`GET /v1/${'a'.repeat(70 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    assertRefused(r, 'overlong request line', [414, 431, 400]);
    // Slowloris: a partial head, a byte every 500 ms; the header timeout (10 s) must end it.
    const slow = await rawExchange(
      port,
      async (s) => {
        await write(s, 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n');
        for (let i = 0; i < 40 && !s.destroyed; i++) {
          await new Promise((res) => setTimeout(res, 500));
          if (!(await write(s, 'X'))) break;
        }
      },
      25_000,
    );
    assert.ok(slow.closed, `slowloris connection still open after ${slow.ms} ms`);
    assert.ok(slow.status === 0 || slow.status === 408 || slow.status === 400, `slowloris: ${slow.status}`);
    // Slow body: head complete, body never finishes; the request timeout (30 s, checked every
    // 30 s by Node) must end it.
    const slowBody = await rawExchange(
      port,
      async (s) => {
        await write(
          s,
          `PUT /v1/kv1/slow HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${ctx.rootToken}\r\nContent-Length: 1000\r\n\r\n{`,
        );
      },
      75_000,
    );
    assert.ok(slowBody.closed, `slow body still open after ${slowBody.ms} ms`);
    assert.ok(
      slowBody.status === 0 || (slowBody.status >= 400 && slowBody.status < 500),
      `slow body: ${slowBody.status}`,
    );
    await healthy('slow clients');
  });

  void it(`random bytes and pipelined garbage on the socket (seed ${SEED})`, async () => {
    let state = SEED >>> 0;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    const fragments = [
      'GET ',
      'LIST ',
      'PUT ',
      '/v1/kv1/',
      '/v1/sys/health',
      ' HTTP/1.1',
      '\r\n',
      '\n',
      '\r\n\r\n',
      'Host: x',
      'Content-Length: ',
      '5',
      '-1',
      'Transfer-Encoding: chunked',
      '0',
      'ffffffffffffffff',
      '{"a":',
      '\u0000',
      '%00',
      'X-Vault-Token: ',
      ctx.rootToken,
    ];
    const started = Date.now();
    let sent = 0;
    for (let i = 0; i < 150 && Date.now() - started < 60_000; i++) {
      let bytes: Buffer;
      if (rand(3) === 0) {
        bytes = Buffer.from(Array.from({ length: 1 + rand(4096) }, () => rand(256)));
      } else {
        // A valid request followed by fragments: pipelined garbage.
        const parts = [`GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n`];
        for (let j = 0; j < 3 + rand(12); j++) parts.push(fragments[rand(fragments.length)] ?? '');
        bytes = Buffer.from(parts.join(''), 'utf8');
      }
      const r = await rawExchange(port, async (s) => void (await write(s, bytes)), 3000);
      sent++;
      for (const m of r.raw.matchAll(/HTTP\/1\.1 (\d{3})/g)) {
        assert.ok(
          Number(m[1]) < 500,
          `seed ${SEED} case ${i}: ${m[0]} for ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`,
        );
      }
      if (i % 25 === 24) await healthy(`garbage batch ${i}`);
    }
    assert.ok(sent >= 20);
    // Random bytes as the body of an authenticated PUT.
    for (let i = 0; i < 30; i++) {
      const r = await once(
        req(
          'PUT',
          '/v1/kv1/rand',
          { 'X-Vault-Token': ctx.rootToken, 'Content-Type': 'application/json' },
          randomBytes(1 + rand(2048)),
        ),
      );
      assertRefused(r, 'random body');
    }
    await healthy('random bodies');
    assert.ok(ctx.server.alive);
  });
});
