import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { failpointHitAt, fireFailpoint } from '@coffer/raft';
import { SnapshotError, verifySnapshot } from '@coffer/snapshot';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Core } from '../core/core.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { RequestForwarder } from '../http/api-request.js';
import { clientToken } from '../http/client-token.js';
import type { HttpReply } from '../http/http-reply.js';
import { renderError } from '../http/render-error.js';
import { proposeRestore, type RaftStorage } from '../raft-storage/index.js';

export const SNAPSHOT_PATH = 'sys/storage/raft/snapshot';
export const SNAPSHOT_FORCE_PATH = 'sys/storage/raft/snapshot-force';

/** Default largest snapshot upload: far above `max_request_size`, which does not apply here. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024 * 1024;

/** What the endpoints need from the HA node. */
export interface SnapshotNode {
  /** The raft storage while this node is active (throws 503 otherwise). */
  activeStorage(): RaftStorage;
  /** Re-reads the keyring and rebuilds the core's runtime after a committed restore. */
  reloadAfterRestore(): Promise<void>;
}

export interface SnapshotEndpointsOptions {
  readonly core: Core;
  readonly node: SnapshotNode;
  /** The standby router: a standby answers 307 to the active node. */
  readonly forwarder?: RequestForwarder;
  /** Where uploads are spooled (the node's data directory). */
  readonly dir: string;
  readonly logger: Logger;
  readonly maxSnapshotBytes?: number;
  /** Failpoint (tests): called after each restore chunk was applied. */
  readonly afterRestoreChunk?: (chunks: number) => void;
}

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sendReply(res: Response, reply: HttpReply): void {
  res.status(reply.status);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.body === undefined || reply.status === 204) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', reply.contentType ?? 'application/json');
  res.end(typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body));
}

/**
 * `GET sys/storage/raft/snapshot` (stream the FSM as a @coffer/snapshot archive, point in time,
 * constant memory) and `POST sys/storage/raft/snapshot[-force]` (spool the raw body to a temp file,
 * verify it completely, check the keyring fingerprint unless forced, then restore through raft).
 * Served outside the buffering body parser. ACL as Vault: `read` on the path to save, `update`
 * to restore (not sudo-protected in Vault's PathsSpecial); a root token may do both.
 */
export class SnapshotEndpoints {
  readonly #o: SnapshotEndpointsOptions;
  #restoring = false;

  constructor(options: SnapshotEndpointsOptions) {
    this.#o = options;
    // Uploads left behind by a crash are garbage (a restore never resumes from them).
    this.#cleanup = rm(join(options.dir, 'snapshot-uploads'), { recursive: true, force: true }).catch(
      () => undefined,
    );
  }

  readonly #cleanup: Promise<void>;

  /** True for the URL paths served here. */
  handles(urlPath: string): boolean {
    const p = urlPath.replace(/\/+$/, '');
    return p === `/v1/${SNAPSHOT_PATH}` || p === `/v1/${SNAPSHOT_FORCE_PATH}`;
  }

  async serve(req: Request, res: Response, requestId: string): Promise<void> {
    try {
      await this.#serve(req, res, requestId);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const { reply, error } = renderError(err);
      if (error.unexpected)
        this.#o.logger.error(
          { request_id: requestId, error_name: err instanceof Error ? err.name : typeof err },
          'snapshot request failed',
        );
      // An unread upload must not be parsed as the next request.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendReply(res, reply);
    }
  }

  async #serve(req: Request, res: Response, requestId: string): Promise<void> {
    const path = (req.originalUrl.split('?')[0] ?? '').replace(/\/+$/, '').slice('/v1/'.length);
    const force = path === SNAPSHOT_FORCE_PATH;
    const method = req.method;
    const save = method === 'GET' || method === 'HEAD';
    if (!save && method !== 'POST' && method !== 'PUT')
      throw new CofferError(ErrorCode.UnsupportedOperation, 'unsupported operation');
    if (save && force) throw new CofferError(ErrorCode.UnsupportedOperation, 'unsupported operation');
    const headers: Record<string, string | string[] | undefined> = { ...req.headers };
    if (this.#o.forwarder !== undefined) {
      const routed = await this.#o.forwarder.route(
        {
          requestId,
          method,
          url: req.originalUrl,
          headers,
          body: undefined,
          clientAddress: req.socket.remoteAddress ?? '',
        },
        path,
      );
      if (routed !== undefined) {
        sendReply(res, routed);
        return;
      }
    }
    await this.#authorize(headers, path, save ? 'read' : 'update');
    if (save) await this.#save(res, method === 'HEAD');
    else await this.#restore(req, res, force);
  }

  async #authorize(
    headers: Record<string, string | string[] | undefined>,
    path: string,
    capability: string,
  ): Promise<void> {
    const core = this.#o.core;
    if (core.state === 'sealed' || core.state === 'uninitialized')
      throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
    if (core.state !== 'unsealed') throw new CofferError(ErrorCode.NoActiveNode, 'node is not active');
    const token = clientToken(headers);
    const denied = new CofferError(ErrorCode.PermissionDenied, 'permission denied');
    if (token === undefined) throw denied;
    const entry = await core.lookupToken(token);
    if (entry === undefined) throw denied;
    const caps = await core.capabilities(entry, path);
    if (!caps.includes('root') && !caps.includes(capability)) throw denied;
  }

  async #save(res: Response, head: boolean): Promise<void> {
    const storage = this.#o.node.activeStorage();
    const stream = await storage.fsm.snapshot();
    res.status(200);
    res.setHeader('Content-Type', 'application/octet-stream');
    if (head) {
      const it = stream[Symbol.asyncIterator]();
      await it.return?.();
      res.end();
      return;
    }
    await pipeline(Readable.from(stream, { objectMode: false }), res);
  }

  async #restore(req: Request, res: Response, force: boolean): Promise<void> {
    const limit = this.#o.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
    const declared = Number(header(req, 'content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit)
      throw new CofferError(ErrorCode.PayloadTooLarge, 'snapshot larger than the upload limit');
    if (this.#restoring) throw bad('a snapshot restore is already in progress');
    this.#restoring = true;
    await this.#cleanup;
    const spool = join(this.#o.dir, 'snapshot-uploads');
    const file = join(spool, `upload-${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(spool, { recursive: true, mode: 0o700 });
      let received = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done): void {
          received += chunk.length;
          if (received > limit)
            done(new CofferError(ErrorCode.PayloadTooLarge, 'snapshot larger than the upload limit'));
          else done(null, chunk);
        },
      });
      await pipeline(req, counter, createWriteStream(file, { mode: 0o600 }));
      let summary;
      try {
        summary = await verifySnapshot(createReadStream(file));
      } catch (err) {
        if (err instanceof SnapshotError) throw bad(`invalid snapshot (${err.code}): nothing was restored`);
        throw err;
      }
      const storage = this.#o.node.activeStorage();
      const ours = this.#o.core.barrier.keyringFingerprint();
      const foreign = summary.meta.keyringFingerprint !== ours;
      if (foreign && !force) {
        throw bad(
          'snapshot was taken with a different keyring (another cluster, or before a key rotation); nothing was restored. ' +
            'Use sys/storage/raft/snapshot-force to restore it anyway: the cluster then unseals only with the keys of the cluster it came from',
        );
      }
      const started = Date.now();
      const restored = await proposeRestore({
        propose: (data) => storage.raftNode.propose(data),
        fsm: storage.fsm,
        force: foreign,
        open: () => createReadStream(file),
        ...(this.#o.afterRestoreChunk === undefined ? {} : { afterChunk: this.#o.afterRestoreChunk }),
      });
      // A foreign keyring: every node seals itself on the commit (see HaNode); else reload here.
      if (!foreign) await this.#o.node.reloadAfterRestore();
      this.#o.logger.info(
        {
          index: restored.index,
          entries: restored.entries,
          chunks: restored.chunks,
          forced: foreign,
          duration_ms: Date.now() - started,
        },
        'snapshot restored through raft',
      );
      res.status(204).end();
    } finally {
      this.#restoring = false;
      await rm(file, { force: true });
    }
  }
}

/**
 * The failpoint `restore-mid` (`COFFER_FAILPOINT=restore-mid:K`, old name `restore-after-chunks:K`;
 * see @coffer/raft failpoint.ts): the process SIGKILLs itself once K chunks of a restore were
 * proposed and applied (a leader crash in the middle of a restore). Counted per restore. Inert
 * unless armed.
 */
export function restoreFailpoint(): { afterRestoreChunk?: (chunks: number) => void } {
  const k = failpointHitAt('restore-mid');
  if (k === undefined) return {};
  return {
    afterRestoreChunk: (chunks) => {
      if (chunks >= k) fireFailpoint('restore-mid', chunks);
    },
  };
}
