import { createSocket } from 'node:dgram';
import { open, mkdir, chmod, type FileHandle } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/** A sink for audit lines. `write` resolves only once the line is handed to the OS (or throws). */
export interface AuditDevice {
  write(line: string): Promise<void>;
  /** Log rotation: close and reopen (file); reconnect (socket). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

/** `file` device: appends one line per entry with a single write call; `stdout` and `discard` are special. */
export class FileAuditDevice implements AuditDevice {
  readonly #path: string;
  readonly #mode: number;
  #handle: FileHandle | undefined;
  #opening: Promise<FileHandle> | undefined;

  constructor(path: string, mode: number) {
    this.#path = path;
    this.#mode = mode;
  }

  static fromOptions(options: Readonly<Record<string, string>>): FileAuditDevice {
    const path = options['file_path'] ?? options['path'] ?? '';
    if (path === '') throw bad('file_path is required');
    const modeText = options['mode'] ?? '0600';
    if (!/^[0-7]{1,4}$/.test(modeText)) throw bad(`invalid mode "${modeText}"`);
    return new FileAuditDevice(path, Number.parseInt(modeText, 8));
  }

  /** Opens the file now, so enabling a device at an unusable path fails. */
  async start(): Promise<void> {
    if (this.#special()) return;
    await this.#open();
  }

  #special(): boolean {
    return this.#path === 'stdout' || this.#path === 'discard';
  }

  #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return Promise.resolve(this.#handle);
    this.#opening ??= (async () => {
      try {
        await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
        const handle = await open(this.#path, 'a', this.#mode === 0 ? 0o600 : this.#mode);
        if (this.#mode !== 0) await chmod(this.#path, this.#mode);
        this.#handle = handle;
        return handle;
      } finally {
        this.#opening = undefined;
      }
    })();
    return this.#opening;
  }

  async write(line: string): Promise<void> {
    if (this.#path === 'discard') return;
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    if (this.#path === 'stdout') {
      await new Promise<void>((resolve, reject) =>
        process.stdout.write(bytes, (err) => (err ? reject(err) : resolve())),
      );
      return;
    }
    const handle = await this.#open();
    const { bytesWritten } = await handle.write(bytes, 0, bytes.length, null);
    if (bytesWritten !== bytes.length) throw new Error('short audit write');
  }

  async reopen(): Promise<void> {
    if (this.#special()) return;
    const old = this.#handle;
    this.#handle = undefined;
    await old?.close().catch(() => undefined);
    await this.#open();
  }

  async close(): Promise<void> {
    const old = this.#handle;
    this.#handle = undefined;
    await old?.close().catch(() => undefined);
  }
}

/** Go-style duration ("2s", "500ms") or seconds. */
function parseTimeout(text: string | undefined): number {
  if (text === undefined || text === '') return 2000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw bad(`invalid write_timeout "${text}"`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

/** `socket` device: one line per entry over TCP (a kept-open connection) or one UDP datagram. */
export class SocketAuditDevice implements AuditDevice {
  readonly #host: string;
  readonly #port: number;
  readonly #type: 'tcp' | 'udp';
  readonly #timeoutMs: number;
  #socket: Socket | undefined;

  constructor(address: string, type: 'tcp' | 'udp', timeoutMs: number) {
    const idx = address.lastIndexOf(':');
    if (idx <= 0) throw bad(`invalid address "${address}"`);
    this.#host = address.slice(0, idx).replace(/^\[|\]$/g, '');
    this.#port = Number(address.slice(idx + 1));
    if (!Number.isInteger(this.#port) || this.#port <= 0 || this.#port > 65535)
      throw bad(`invalid address "${address}"`);
    this.#type = type;
    this.#timeoutMs = timeoutMs;
  }

  static fromOptions(options: Readonly<Record<string, string>>): SocketAuditDevice {
    const address = options['address'] ?? '';
    if (address === '') throw bad('address is required');
    const type = options['socket_type'] ?? 'tcp';
    if (type !== 'tcp' && type !== 'udp') throw bad(`invalid socket_type "${type}"`);
    return new SocketAuditDevice(address, type, parseTimeout(options['write_timeout']));
  }

  async #connect(): Promise<Socket> {
    if (this.#socket !== undefined && !this.#socket.destroyed) return this.#socket;
    const socket = connect({ host: this.#host, port: this.#port });
    await this.#withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      }),
      () => socket.destroy(),
    );
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
    });
    this.#socket = socket;
    return socket;
  }

  async #withTimeout(p: Promise<void>, onTimeout: () => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        p,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            onTimeout();
            reject(new Error('audit socket write timed out'));
          }, this.#timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async write(line: string): Promise<void> {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    if (this.#type === 'udp') {
      const udp = createSocket(this.#host.includes(':') ? 'udp6' : 'udp4');
      try {
        await this.#withTimeout(
          new Promise<void>((resolve, reject) =>
            udp.send(bytes, this.#port, this.#host, (err) => (err ? reject(err) : resolve())),
          ),
          () => undefined,
        );
      } finally {
        udp.close();
      }
      return;
    }
    try {
      const socket = await this.#connect();
      await this.#withTimeout(
        new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve()))),
        () => socket.destroy(),
      );
    } catch (err) {
      this.#socket?.destroy();
      this.#socket = undefined;
      throw err;
    }
  }

  async reopen(): Promise<void> {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  async close(): Promise<void> {
    await this.reopen();
  }
}
