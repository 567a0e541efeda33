/**
 * Child process of link-proxy.test.ts: resets connections through a LinkProxy while they are
 * half-closing, closes everything, then reports how many TCP sockets are still open and must exit
 * on its own. (A socket that cannot be reset mid-FIN used to leak its handle, and the process then
 * spun at 100 % CPU at exit instead of exiting.)
 */
import { connect, createServer, type Socket } from 'node:net';
import { LinkProxy, LinkTable, RESET } from './link-proxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}

const echo = createServer((s) => {
  s.on('error', () => undefined);
  s.pipe(s);
});
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
const a = echo.address();
const table = new LinkTable();
const proxy = new LinkProxy({
  to: 'b',
  targetPort: typeof a === 'object' && a !== null ? a.port : 0,
  table,
  identify: () => Promise.resolve('a'),
});
await proxy.start();

interface Dialled {
  readonly sock: Socket;
  readonly received: () => string;
  readonly closed: () => boolean;
}

async function dial(): Promise<Dialled> {
  const sock = connect({ host: '127.0.0.1', port: proxy.port });
  let data = '';
  let closed = false;
  sock.on('data', (d: Buffer) => (data += d.toString()));
  sock.on('error', () => undefined);
  sock.on('close', () => (closed = true));
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  return { sock, received: () => data, closed: () => closed };
}

try {
  for (let round = 0; round < 3; round++) {
    // The dialler closes: the proxy forwards its FIN upstream and the reset below hits the
    // connection while that FIN is still in flight.
    const first = await dial();
    first.sock.write('x');
    await until('echo', () => first.received() === 'x');
    first.sock.destroy();
    table.healAll();
    const second = await dial();
    table.update((t) => t.set('a', 'b', RESET));
    await until('reset seen', () => second.closed());
    table.healAll();

    // A half-close (end) from the dialler, reset as soon as the echo's FIN comes back.
    const third = await dial();
    third.sock.on('end', () => table.update((t) => t.set('a', 'b', RESET)));
    third.sock.end('y');
    await until('half-closed connection gone', () => third.closed());
    table.healAll();
  }
} finally {
  await proxy.close();
  await new Promise<void>((r) => echo.close(() => r()));
}
const open = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
// Closed sockets go away within a few event-loop turns; a leaked one never does.
await until('no TCP socket left', () => open() === 0, 3000).catch(() => undefined);
process.stdout.write(`${JSON.stringify({ openSockets: open() })}\n`);
