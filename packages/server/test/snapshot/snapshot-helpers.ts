/**
 * Helpers for the snapshot tests: raw HTTP for binary bodies (save/restore), reads through every
 * node, and an offline state hash of a stopped node's FSM (RaftFsm.entries()).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { RaftFsm } from '../../src/raft-storage/index.js';
import type { HaNodeProcess } from '../ha/ha-cluster.js';

export interface RawResult {
  readonly status: number;
  readonly body: Buffer;
  readonly location: string | undefined;
  readonly text: string;
}

export async function raw(
  node: HaNodeProcess,
  method: string,
  path: string,
  token: string | undefined,
  body?: Uint8Array,
): Promise<RawResult> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['X-Vault-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/octet-stream';
  const res = await fetch(`${node.url}/v1/${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    body: buf,
    location: res.headers.get('location') ?? undefined,
    text: buf.subarray(0, 2000).toString('utf8'),
  };
}

export async function save(node: HaNodeProcess, token: string): Promise<Buffer> {
  const res = await raw(node, 'GET', 'sys/storage/raft/snapshot', token);
  if (res.status !== 200) throw new Error(`snapshot save on ${node.id}: ${res.status} ${res.text}`);
  return res.body;
}

export function restore(
  node: HaNodeProcess,
  token: string,
  archive: Uint8Array,
  force = false,
): Promise<RawResult> {
  return raw(
    node,
    'POST',
    force ? 'sys/storage/raft/snapshot-force' : 'sys/storage/raft/snapshot',
    token,
    archive,
  );
}

/** The `value` field of a KV v2 secret read through `node`, or undefined when it does not exist. */
export async function readValue(node: HaNodeProcess, token: string, key: string): Promise<unknown> {
  const res = await node.request('GET', `secret/data/${key}`, { token });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`read ${key} via ${node.id}: ${res.status} ${res.text}`);
  return ((res.body?.['data'] as { data: Record<string, unknown> }).data ?? {})['value'];
}

export async function writeValue(
  node: HaNodeProcess,
  token: string,
  key: string,
  value: unknown,
): Promise<void> {
  const res = await node.request('POST', `secret/data/${key}`, { token, body: { data: { value } } });
  if (res.status !== 200) throw new Error(`write ${key} via ${node.id}: ${res.status} ${res.text}`);
}

export interface FsmState {
  readonly hash: string;
  readonly applied: number;
  readonly entries: number;
  readonly pendingRestore: string | undefined;
}

/** SHA-256 over every (key, value) of a stopped node's FSM, in key order. */
export async function fsmState(node: HaNodeProcess): Promise<FsmState> {
  if (node.alive) throw new Error(`stop ${node.id} before hashing its FSM`);
  const fsm = await RaftFsm.open({ dir: join(node.dir, 'data') });
  try {
    const h = createHash('sha256');
    let entries = 0;
    for await (const e of fsm.entries()) {
      const key = Buffer.from(e.key, 'utf8');
      const len = Buffer.alloc(8);
      len.writeUInt32BE(key.length, 0);
      len.writeUInt32BE(e.value.byteLength, 4);
      h.update(len).update(key).update(e.value);
      entries++;
    }
    return { hash: h.digest('hex'), applied: fsm.applied, entries, pendingRestore: fsm.pendingRestore };
  } finally {
    await fsm.close();
  }
}

/** Flips bit `bit` of byte `at` (a copy). */
export function flipBit(buf: Uint8Array, at: number, bit = 0): Buffer {
  const out = Buffer.from(buf);
  out[at] = (out[at] ?? 0) ^ (1 << bit);
  return out;
}
