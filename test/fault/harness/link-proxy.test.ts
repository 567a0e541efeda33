import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BLACKHOLE, LinkProxy, LinkTable, PASS, REFUSE, RESET, delay } from './link-proxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let echo: Server;
let echoPort = 0;
const table = new LinkTable();
let proxy: LinkProxy;

before(async () => {
  echo = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const a = echo.address();
  echoPort = typeof a === 'object' && a !== null ? a.port : 0;
  // Every dialler is "a"; the destination is "b".
  proxy = new LinkProxy({ to: 'b', targetPort: echoPort, table, identify: () => Promise.resolve('a') });
  await proxy.start();
});

after(async () => {
  await proxy.close();
  await new Promise<void>((r) => echo.close(() => r()));
});

interface Client {
  readonly sock: Socket;
  readonly received: () => string;
  readonly error: () => string | undefined;
  readonly closed: () => boolean;
}

async function dial(): Promise<Client> {
  const sock = connect({ host: '127.0.0.1', port: proxy.port });
  let data = '';
  let err: string | undefined;
  let closed = false;
  sock.on('data', (d: Buffer) => (data += d.toString()));
  sock.on('error', (e: NodeJS.ErrnoException) => (err = e.code ?? e.message));
  sock.on('close', () => (closed = true));
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  return { sock, received: () => data, error: () => err, closed: () => closed };
}

/** A dial that must be refused: it fails to connect, or is reset right after connecting. */
async function dialRefused(): Promise<void> {
  try {
    const d = await dial();
    await until('reset after connect', () => d.closed());
    assert.equal(d.error(), 'ECONNRESET');
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ECONNRESET');
  }
}

async function until(what: string, f: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

void describe('LinkProxy', () => {
  void it('passes bytes both ways', async () => {
    table.healAll();
    const c = await dial();
    c.sock.write('hello');
    await until('echo', () => c.received() === 'hello');
    c.sock.destroy();
  });

  void it('blackhole holds bytes on an existing connection without closing it, and delivers them on heal', async () => {
    table.healAll();
    const c = await dial();
    c.sock.write('one');
    await until('first echo', () => c.received() === 'one');
    table.update((t) => t.set('a', 'b', BLACKHOLE));
    c.sock.write('two');
    await sleep(300);
    assert.equal(c.received(), 'one');
    assert.equal(c.closed(), false);
    assert.equal(c.error(), undefined);
    table.healAll();
    await until('held bytes delivered', () => c.received() === 'onetwo');
    c.sock.destroy();
  });

  void it('one-way: blackholing only the reverse link b>a drops the replies, not the requests', async () => {
    table.healAll();
    const c = await dial();
    table.update((t) => t.set('b', 'a', BLACKHOLE));
    c.sock.write('x');
    await sleep(300);
    assert.equal(c.received(), '');
    table.healAll();
    await until('reply after heal', () => c.received() === 'x');
    c.sock.destroy();
  });

  void it('reset sends an RST to existing connections and to new ones', async () => {
    table.healAll();
    const c = await dial();
    table.update((t) => t.set('a', 'b', RESET));
    await until('reset seen', () => c.closed());
    assert.equal(c.error(), 'ECONNRESET');
    await dialRefused();
    table.healAll();
  });

  void it('refuse resets new connections but lets existing ones flow', async () => {
    table.healAll();
    const c = await dial();
    table.update((t) => t.set('a', 'b', REFUSE));
    await dialRefused();
    c.sock.write('still');
    await until('existing flows', () => c.received() === 'still');
    c.sock.destroy();
    table.healAll();
  });

  void it('delay delivers each chunk at least ms later, in order', async () => {
    table.healAll();
    const c = await dial();
    table.update((t) => t.set('a', 'b', delay(200)));
    const t0 = Date.now();
    c.sock.write('a');
    await sleep(20);
    c.sock.write('b');
    await until('delayed echo', () => c.received() === 'ab', 3000);
    assert.ok(Date.now() - t0 >= 200, `took ${Date.now() - t0} ms`);
    table.update((t) => t.set('a', 'b', PASS));
    c.sock.destroy();
  });

  void it('a reset hitting half-closing connections leaves no socket behind, and the process exits', async () => {
    // In a child process: a leaked socket handle made the process spin at exit instead of exiting.
    const child = spawn(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        fileURLToPath(new URL('./link-proxy-reset-child.ts', import.meta.url)),
      ],
      { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const limitMs = 30_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearTimeout(timer);
    assert.equal(timedOut, false, `child did not exit within ${limitMs} ms; it printed ${out.trim()} ${err}`);
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(out.trim()), { openSockets: 0 });
  });
});
