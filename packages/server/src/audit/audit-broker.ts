import { randomBytes, randomUUID } from 'node:crypto';
import type { Storage } from '@coffer/barrier';
import type { Logger } from 'pino';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import { FileAuditDevice, SocketAuditDevice, type AuditDevice } from './audit-devices.js';
import {
  formatRequestEntry,
  formatResponseEntry,
  type AuditRequestInfo,
  type FormatOptions,
} from './audit-format.js';
import { hmacString } from './hash.js';

/** The audit table (`core/audit`, through the barrier). */
export const AUDIT_TABLE_KEY = 'core/audit';
/** Per-device salts, `core/audit-salt/<uuid>` (destroyed on disable). */
export const AUDIT_SALT_PREFIX = 'core/audit-salt/';

export interface AuditTableEntry {
  /** With trailing slash. */
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
  readonly uuid: string;
}

export interface EnableAuditRequest {
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>>;
  readonly local: boolean;
}

interface Enabled {
  readonly entry: AuditTableEntry;
  readonly device: AuditDevice;
  readonly format: FormatOptions;
  readonly prefix: string;
}

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);
const failClosed = (): CofferError => new CofferError(ErrorCode.Internal, 'internal error');

function createDevice(
  type: string,
  options: Readonly<Record<string, string>>,
): AuditDevice & { start?: () => Promise<void> } {
  if (type === 'file') return FileAuditDevice.fromOptions(options);
  if (type === 'socket') return SocketAuditDevice.fromOptions(options);
  throw bad(`unknown backend type: "${type}"`);
}

function boolOption(options: Readonly<Record<string, string>>, key: string, dflt: boolean): boolean {
  const v = options[key];
  if (v === undefined || v === '') return dflt;
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(v)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(v)) return false;
  throw bad(`unable to parse '${key}': invalid boolean "${v}"`);
}

function errorName(err: unknown): string {
  if (err instanceof Error) return 'code' in err ? `${err.name}:${String(err.code)}` : err.name;
  return typeof err;
}

/**
 * The enabled audit devices. With at least one enabled, every audited request must be recorded by
 * at least one device before it is handled (fail closed), and its response after.
 */
export class AuditBroker {
  readonly #logger: Logger;
  #storage: Storage | undefined;
  #devices = new Map<string, Enabled>();
  #chain: Promise<unknown> = Promise.resolve();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get enabled(): boolean {
    return this.#devices.size > 0;
  }

  /** Loads the audit table and opens its devices (unseal / activation). A device that fails to open stays enabled and fails its writes. */
  async load(storage: Storage): Promise<void> {
    await this.close();
    this.#storage = storage;
    const raw = await storage.get(AUDIT_TABLE_KEY);
    if (raw === undefined) return;
    const table = JSON.parse(new TextDecoder().decode(raw)) as AuditTableEntry[];
    for (const entry of table) {
      try {
        const salt = await storage.get(`${AUDIT_SALT_PREFIX}${entry.uuid}`);
        if (salt === undefined) throw new Error('audit salt missing');
        const device = createDevice(entry.type, entry.options);
        this.#devices.set(entry.path, this.#enabledOf(entry, device, salt));
        await device.start?.().catch((err: unknown) => {
          this.#logger.error(
            { path: entry.path, error_name: errorName(err) },
            'audit device could not be opened',
          );
        });
      } catch (err) {
        this.#logger.error(
          { path: entry.path, error_name: errorName(err) },
          'audit device could not be loaded; skipping it',
        );
      }
    }
  }

  #enabledOf(entry: AuditTableEntry, device: AuditDevice, salt: Uint8Array): Enabled {
    return {
      entry,
      device,
      format: {
        salt,
        logRaw: boolOption(entry.options, 'log_raw', false),
        hmacAccessor: boolOption(entry.options, 'hmac_accessor', true),
      },
      prefix: entry.options['prefix'] ?? '',
    };
  }

  /** Closes every device (seal / step-down). */
  async close(): Promise<void> {
    const devices = [...this.#devices.values()];
    this.#devices = new Map();
    this.#storage = undefined;
    await Promise.all(devices.map(async (d) => d.device.close().catch(() => undefined)));
  }

  list(): AuditTableEntry[] {
    return [...this.#devices.values()].map((d) => d.entry);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  #requireStorage(): Storage {
    if (this.#storage === undefined) throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
    return this.#storage;
  }

  async #saveTable(storage: Storage, devices: Map<string, Enabled>): Promise<void> {
    const table = [...devices.values()].map((d) => d.entry);
    await storage.put(AUDIT_TABLE_KEY, new TextEncoder().encode(JSON.stringify(table)));
  }

  enable(req: EnableAuditRequest): Promise<void> {
    return this.#serial(async () => {
      const storage = this.#requireStorage();
      if (req.path === '' || req.path === '/') throw bad('path cannot be blank');
      for (const existing of this.#devices.keys()) {
        if (existing.startsWith(req.path) || req.path.startsWith(existing)) throw bad(`path already in use`);
      }
      const options: Record<string, string> = { ...req.options };
      if (req.type === 'file' && options['file_path'] === undefined && options['path'] !== undefined) {
        options['file_path'] = options['path'];
        delete options['path'];
      }
      const device = createDevice(req.type, options);
      const entry: AuditTableEntry = Object.freeze({
        path: req.path,
        type: req.type,
        description: req.description,
        options: Object.freeze(options),
        local: req.local,
        uuid: randomUUID(),
      });
      const enabled = this.#enabledOf(entry, device, randomBytes(32));
      try {
        await device.start?.();
      } catch (err) {
        throw bad(`sanity check failed on audit device ${req.path}: ${errorName(err)}`);
      }
      try {
        await storage.put(`${AUDIT_SALT_PREFIX}${entry.uuid}`, enabled.format.salt);
        const next = new Map(this.#devices).set(req.path, enabled);
        await this.#saveTable(storage, next);
        this.#devices = next;
      } catch (err) {
        await device.close();
        throw err;
      }
      this.#logger.info({ path: req.path, type: req.type }, 'audit device enabled');
    });
  }

  /** Idempotent; destroys the device's salt (its hashes can no longer be reproduced). */
  disable(path: string): Promise<void> {
    return this.#serial(async () => {
      const storage = this.#requireStorage();
      const existing = this.#devices.get(path);
      if (existing === undefined) return;
      const next = new Map(this.#devices);
      next.delete(path);
      await this.#saveTable(storage, next);
      this.#devices = next;
      await storage.delete(`${AUDIT_SALT_PREFIX}${existing.entry.uuid}`);
      await existing.device.close();
      this.#logger.info({ path }, 'audit device disabled');
    });
  }

  /** `sys/audit-hash`: the HMAC the device would write for `input`. */
  hash(path: string, input: string): string {
    const d = this.#devices.get(path);
    if (d === undefined) throw bad(`unknown audit backend ${path}`);
    return hmacString(d.format.salt, input);
  }

  /** Reopens every device (SIGHUP, log rotation); failures are logged and left to fail writes. */
  async reopen(): Promise<void> {
    await Promise.all(
      [...this.#devices.values()].map(async (d) =>
        d.device.reopen().catch((err: unknown) => {
          this.#logger.error(
            { path: d.entry.path, error_name: errorName(err) },
            'reopening audit device failed',
          );
        }),
      ),
    );
  }

  /** Writes `line(d)` to every device; succeeds when at least one did. No-op without devices. */
  async #broadcast(what: string, line: (d: Enabled) => string): Promise<void> {
    const devices = [...this.#devices.values()];
    if (devices.length === 0) return;
    const results = await Promise.allSettled(
      devices.map(async (d) => d.device.write(`${d.prefix}${line(d)}`)),
    );
    let ok = 0;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') ok += 1;
      else
        this.#logger.error(
          { path: devices[i]?.entry.path, error_name: errorName(r.reason) },
          `audit device failed to log ${what}`,
        );
    });
    if (ok === 0) throw failClosed();
  }

  /** Before the handler: throws a 500 `internal error` when no device recorded the request. */
  logRequest(info: AuditRequestInfo, error?: string): Promise<void> {
    return this.#broadcast('request', (d) => formatRequestEntry(d.format, info, error));
  }

  /** After the handler (successful or not). */
  logResponse(info: AuditRequestInfo, response: LogicalResponse | undefined, error?: string): Promise<void> {
    return this.#broadcast('response', (d) => formatResponseEntry(d.format, info, response, error));
  }
}
