/**
 * Userspace TCP proxy for the fault suite (fault-matrix F4/F5): one listener per destination node
 * on 127.0.0.1, forwarding to that node's real cluster port. Every byte stream is governed by the
 * *directed link* it travels on: on a connection dialled by S to D, client→server bytes follow
 * link S→D and server→client bytes follow link D→S. So all six directed links of a 3-node cluster
 * can be cut independently (isolate, minority/majority, bridge, one-way) even though every node
 * dials a peer at the single cluster address that peer advertises.
 *
 * The dialling node is identified by the kernel: the accepted socket's remote port is looked up in
 * /proc/net/tcp and matched to a socket inode in /proc/<pid>/fd of a known node process (Linux
 * only; `identify` can be replaced, e.g. in unit tests). An unidentified dialler is "?".
 *
 * Modes (per directed link; switching a mode applies to existing connections at once):
 * - pass: forward.
 * - blackhole: accept and hold bytes, no RST (the reading side is paused; bytes already read are
 *   queued and delivered on heal, like TCP retransmission after a silent drop).
 * - reset: existing connections get an RST; new ones are accepted and reset at once.
 * - refuse: new connections are reset right after accept (userspace cannot make the kernel answer
 *   ECONNREFUSED for one dialler only; the client sees ECONNRESET); existing ones keep flowing.
 * - delay(ms): every chunk is delivered ms later (order kept).
 * A connection is reset when either of its two links is `reset`, and refused when either is
 * `refuse` or `reset` at accept time.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type LinkMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'refuse' }
  | { readonly kind: 'delay'; readonly ms: number };

export const PASS: LinkMode = { kind: 'pass' };
export const BLACKHOLE: LinkMode = { kind: 'blackhole' };
export const RESET: LinkMode = { kind: 'reset' };
export const REFUSE: LinkMode = { kind: 'refuse' };
export const delay = (ms: number): LinkMode => ({ kind: 'delay', ms });

export function formatMode(m: LinkMode): string {
  return m.kind === 'delay' ? `delay(${m.ms})` : m.kind;
}

/** Directed-link modes, shared by all proxies of a cluster. Unknown links pass. */
export class LinkTable {
  readonly #modes = new Map<string, LinkMode>();
  readonly #listeners = new Set<() => void>();

  get(from: string, to: string): LinkMode {
    return this.#modes.get(`${from}>${to}`) ?? PASS;
  }

  /** Sets one directed link; call `apply()` (or use `update`) to push it to existing connections. */
  set(from: string, to: string, mode: LinkMode): void {
    if (mode.kind === 'pass') this.#modes.delete(`${from}>${to}`);
    else this.#modes.set(`${from}>${to}`, mode);
  }

  /** Several changes applied atomically to existing connections. */
  update(fn: (t: LinkTable) => void): void {
    fn(this);
    this.apply();
  }

  healAll(): void {
    this.#modes.clear();
    this.apply();
  }

  apply(): void {
    for (const l of this.#listeners) l();
  }

  onChange(l: () => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  /** Non-pass links, e.g. `n1>n2=blackhole`. */
  describe(): string {
    return [...this.#modes].map(([k, m]) => `${k}=${formatMode(m)}`).join(' ') || 'all pass';
  }
}

/**
 * Sends an RST on `s` and destroys it. A socket whose FIN is still being sent (end() was called and
 * the shutdown has not completed: a half-closed proxied connection) cannot be reset — libuv
 * refuses with EINVAL and Node then never closes the handle: it leaks, never emits 'close', and the
 * process spins at 100 % CPU at exit waiting for it. Such a socket is closed plainly (its peer has
 * already seen the FIN).
 */
function resetSocket(s: Socket): void {
  if (s.destroyed) return;
  if (s.writableEnded && !s.writableFinished) s.destroy();
  else s.resetAndDestroy();
}

/** Resolves the node that owns the client end `127.0.0.1:clientPort` of a connection to `proxyPort`. */
export type Identify = (clientPort: number, proxyPort: number) => Promise<string | undefined>;

/** One byte direction of a proxied connection. */
class Direction {
  readonly #src: Socket;
  readonly #dst: Socket;
  #mode: LinkMode = PASS;
  #held: Buffer[] = [];
  #pendingTimers = 0;
  #deliverAt = 0;
  #ended = false;
  #awaitingDrain = false;
  #timers = new Set<NodeJS.Timeout>();

  constructor(src: Socket, dst: Socket) {
    this.#src = src;
    this.#dst = dst;
    src.on('data', (chunk: Buffer) => this.#onData(chunk));
    src.on('end', () => {
      this.#ended = true;
      this.#maybeEnd();
    });
  }

  setMode(mode: LinkMode): void {
    this.#mode = mode;
    if (mode.kind === 'blackhole') {
      this.#src.pause();
      return;
    }
    const held = this.#held;
    this.#held = [];
    for (const c of held) this.#forward(c);
    if (!this.#src.destroyed && !this.#awaitingDrain) this.#src.resume();
    this.#maybeEnd();
  }

  #onData(chunk: Buffer): void {
    if (this.#mode.kind === 'blackhole') {
      this.#held.push(chunk);
      this.#src.pause();
      return;
    }
    this.#forward(chunk);
  }

  #forward(chunk: Buffer): void {
    if (this.#mode.kind === 'delay') {
      const at = Math.max(Date.now() + this.#mode.ms, this.#deliverAt);
      this.#deliverAt = at;
      this.#pendingTimers++;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#pendingTimers--;
        this.#write(chunk);
        this.#maybeEnd();
      }, at - Date.now());
      this.#timers.add(timer);
      return;
    }
    this.#write(chunk);
  }

  #write(chunk: Buffer): void {
    if (this.#dst.destroyed) return;
    if (this.#dst.write(chunk)) return;
    this.#src.pause();
    // One 'drain' listener at a time (a slow destination must not collect one per chunk).
    if (!this.#awaitingDrain) {
      this.#awaitingDrain = true;
      this.#dst.once('drain', () => {
        this.#awaitingDrain = false;
        if (this.#mode.kind !== 'blackhole' && !this.#src.destroyed) this.#src.resume();
      });
    }
  }

  #maybeEnd(): void {
    if (
      this.#ended &&
      this.#held.length === 0 &&
      this.#pendingTimers === 0 &&
      this.#mode.kind !== 'blackhole' &&
      !this.#dst.destroyed &&
      !this.#dst.writableEnded
    )
      this.#dst.end();
  }

  dispose(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#held = [];
  }
}

interface Conn {
  readonly from: string;
  readonly client: Socket;
  readonly upstream: Socket;
  readonly up: Direction;
  readonly down: Direction;
}

export interface LinkProxyOptions {
  /** The destination node's id (links are `from>to`). */
  readonly to: string;
  readonly targetPort: number;
  readonly table: LinkTable;
  /** Who dialled; default: everyone is "?". */
  readonly identify?: Identify;
  /** Port to listen on (default: any free port). */
  readonly port?: number;
}

/** A proxy in front of one destination node. */
export class LinkProxy {
  readonly to: string;
  readonly #o: LinkProxyOptions;
  readonly #server: Server;
  readonly #conns = new Set<Conn>();
  readonly #raw = new Set<Socket>();
  #unsubscribe: (() => void) | undefined;
  #port = 0;
  /** Connections accepted, by dialler. */
  readonly accepted = new Map<string, number>();

  constructor(options: LinkProxyOptions) {
    this.#o = options;
    this.to = options.to;
    this.#server = createServer({ pauseOnConnect: true }, (s) => void this.#accept(s));
  }

  get port(): number {
    return this.#port;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#o.port ?? 0, '127.0.0.1', () => resolve());
    });
    const a = this.#server.address();
    this.#port = typeof a === 'object' && a !== null ? a.port : 0;
    this.#unsubscribe = this.#o.table.onChange(() => this.#reapply());
    return this.#port;
  }

  get connections(): number {
    return this.#conns.size;
  }

  async #accept(client: Socket): Promise<void> {
    this.#raw.add(client);
    client.on('close', () => this.#raw.delete(client));
    client.on('error', () => undefined);
    let from = '?';
    try {
      from = (await this.#o.identify?.(client.remotePort ?? 0, this.#port)) ?? '?';
    } catch {
      from = '?';
    }
    this.accepted.set(from, (this.accepted.get(from) ?? 0) + 1);
    const t = this.#o.table;
    const there = t.get(from, this.to).kind;
    const back = t.get(this.to, from).kind;
    if (client.destroyed) return;
    if (there === 'reset' || there === 'refuse' || back === 'reset' || back === 'refuse') {
      resetSocket(client);
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: this.#o.targetPort });
    upstream.pause();
    upstream.on('error', () => undefined);
    const conn: Conn = {
      from,
      client,
      upstream,
      up: new Direction(client, upstream),
      down: new Direction(upstream, client),
    };
    this.#conns.add(conn);
    const teardown = (rst: boolean): void => {
      if (!this.#conns.delete(conn)) return;
      conn.up.dispose();
      conn.down.dispose();
      if (rst) {
        resetSocket(client);
        resetSocket(upstream);
      } else {
        client.destroy();
        upstream.destroy();
      }
    };
    client.on('close', () => teardown(false));
    upstream.on('close', () => teardown(false));
    // An upstream that cannot be reached looks like a dead peer: RST the client.
    upstream.on('error', () => teardown(true));
    client.on('error', () => teardown(true));
    this.#applyTo(conn);
  }

  #applyTo(conn: Conn): void {
    const t = this.#o.table;
    const there = t.get(conn.from, this.to);
    const back = t.get(this.to, conn.from);
    if (there.kind === 'reset' || back.kind === 'reset') {
      this.#conns.delete(conn);
      conn.up.dispose();
      conn.down.dispose();
      resetSocket(conn.client);
      resetSocket(conn.upstream);
      return;
    }
    conn.up.setMode(there.kind === 'refuse' ? PASS : there);
    conn.down.setMode(back.kind === 'refuse' ? PASS : back);
  }

  #reapply(): void {
    for (const c of [...this.#conns]) this.#applyTo(c);
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    for (const c of [...this.#conns]) {
      c.up.dispose();
      c.down.dispose();
      c.client.destroy();
      c.upstream.destroy();
    }
    this.#conns.clear();
    for (const s of this.#raw) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Identifies the process owning the client end of a loopback connection via /proc: the socket
 * inode of `127.0.0.1:clientPort → 127.0.0.1:proxyPort` in /proc/net/tcp, then which of `pids`
 * holds that inode open.
 */
export function procIdentify(pids: () => ReadonlyMap<string, number | undefined>): Identify {
  return async (clientPort, proxyPort) => {
    const inode = await findInode(clientPort, proxyPort);
    if (inode === undefined) return undefined;
    const needle = `socket:[${inode}]`;
    for (const [id, pid] of pids()) {
      if (pid === undefined) continue;
      let fds: string[];
      try {
        fds = await readdir(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          if ((await readlink(`/proc/${pid}/fd/${fd}`)) === needle) return id;
        } catch {
          // fd closed meanwhile
        }
      }
    }
    return undefined;
  };
}

async function findInode(clientPort: number, proxyPort: number): Promise<string | undefined> {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = f[1] ?? '';
      const remote = f[2] ?? '';
      if (
        parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === clientPort &&
        parseInt(remote.slice(remote.lastIndexOf(':') + 1), 16) === proxyPort
      ) {
        return f[9];
      }
    }
  }
  return undefined;
}
