import type { StorageView } from '@coffer/barrier';
import type { LogicalRequest, RequestAuth } from '../../src/logical/logical-request.js';
import type { Operation } from '../../src/logical/operation.js';
import type { TokenEntry } from '../../src/logical/token-entry.js';

export interface RequestInit {
  readonly operation: Operation;
  readonly path: string;
  readonly storage: StorageView;
  readonly data?: Record<string, unknown>;
  readonly auth?: RequestAuth;
  readonly mountPoint?: string;
  readonly mountType?: string;
}

let counter = 0;

/** A LogicalRequest as the pipeline would build it. */
export function makeRequest(init: RequestInit): LogicalRequest {
  const mountPoint = init.mountPoint ?? 'secret/';
  counter += 1;
  return {
    id: `00000000-0000-4000-8000-${counter.toString().padStart(12, '0')}`,
    operation: init.operation,
    fullPath: mountPoint + init.path,
    mountPoint,
    mountType: init.mountType ?? 'kv',
    mountAccessor: 'kv_0000',
    path: init.path,
    data: init.data ?? {},
    headers: {},
    auth: init.auth,
    clientAddress: '127.0.0.1',
    storage: init.storage,
  };
}

/** A token's auth as the pipeline would resolve it. */
export function makeAuth(cubbyholeId: string, overrides: Partial<TokenEntry> = {}): RequestAuth {
  const entry: TokenEntry = {
    accessor: `acc-${cubbyholeId}`,
    policies: ['default'],
    parentAccessor: '',
    path: 'auth/token/create',
    meta: {},
    displayName: 'token',
    numUses: 0,
    creationTime: 0,
    ttl: 3600,
    explicitMaxTtl: 0,
    period: 0,
    renewable: true,
    expireTimeMs: 0,
    orphan: false,
    type: 'service',
    cubbyholeId,
    entityId: '',
    ...overrides,
  };
  return { clientToken: `s.${cubbyholeId}`, entry, isRoot: false, sudo: false };
}
