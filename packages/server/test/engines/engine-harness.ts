import assert from 'node:assert/strict';
import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../../src/errors/coffer-error.js';
import type { ErrorCode } from '../../src/errors/error-code.js';
import { EngineDispatcher } from '../../src/logical/engine-dispatcher.js';
import type { Engine } from '../../src/logical/engine.js';
import type { RequestAuth } from '../../src/logical/logical-request.js';
import type { LogicalResponse } from '../../src/logical/logical-response.js';
import type { Operation } from '../../src/logical/operation.js';
import { makeRequest } from '../logical/make-request.js';

export interface Call {
  readonly op: Operation;
  readonly path: string;
  readonly data?: Record<string, unknown>;
  readonly auth?: RequestAuth;
}

/** Drives an engine the way the pipeline does: match → resolve create/update → handle. */
export class EngineHarness {
  readonly dispatcher: EngineDispatcher;
  readonly storage: StorageView;
  readonly mountPoint: string;
  /** The operation resolveOperation chose for the last call (create vs update). */
  lastOperation: Operation | undefined;

  constructor(engine: Engine, storage: StorageView, mountPoint = 'secret/') {
    this.dispatcher = new EngineDispatcher(engine);
    this.storage = storage;
    this.mountPoint = mountPoint;
  }

  async call(c: Call): Promise<LogicalResponse | undefined> {
    const matched = this.dispatcher.match(c.path);
    if (matched === undefined) throw new Error(`no route for ${c.path}`);
    const base = makeRequest({
      operation: c.op,
      path: c.path,
      data: c.data ?? {},
      storage: this.storage,
      auth: c.auth,
      mountPoint: this.mountPoint,
    });
    const operation = await this.dispatcher.resolveOperation(base, matched);
    this.lastOperation = operation;
    return this.dispatcher.handle({ ...base, operation }, matched);
  }

  read(
    path: string,
    data?: Record<string, unknown>,
    auth?: RequestAuth,
  ): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'read', path, data, auth });
  }
  write(
    path: string,
    data: Record<string, unknown>,
    auth?: RequestAuth,
  ): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'update', path, data, auth });
  }
  patch(
    path: string,
    data: Record<string, unknown>,
    auth?: RequestAuth,
  ): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'patch', path, data, auth });
  }
  delete(
    path: string,
    data?: Record<string, unknown>,
    auth?: RequestAuth,
  ): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'delete', path, data, auth });
  }
  list(path: string, auth?: RequestAuth): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'list', path, auth });
  }
}

/** Asserts a CofferError with this code (and exact message / pattern when given); returns it. */
export async function expectError(
  p: Promise<unknown>,
  code: ErrorCode,
  message?: string | RegExp,
): Promise<CofferError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CofferError, `expected CofferError, got ${String(err)}`);
    assert.equal(err.code, code, `code (message: ${err.message})`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message !== undefined) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** A controllable clock in Unix ms. */
export class TestClock {
  ms: number;
  constructor(iso = '2024-05-01T10:00:00.000Z') {
    this.ms = Date.parse(iso);
  }
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
