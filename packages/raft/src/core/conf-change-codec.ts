import { RaftError } from './raft-error.js';
import { ConfChangeType } from './types.js';
import type { ConfChange } from './types.js';

/**
 * Binary encoding of a ConfChange as stored in a ConfChange log entry's `data`:
 * `[version=1][type:u8][idLength:u16be][nodeId utf-8][context bytes]`.
 * The core decodes these entries itself (membership takes effect when the entry is appended), so
 * every proposer must use `encodeConfChange` (RawNode.proposeConfChange does).
 */
const VERSION = 1;
const HEADER = 4;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const id = encoder.encode(cc.nodeId);
  if (id.length === 0 || id.length > 0xffff) {
    throw new RaftError('INVALID_CONF_CHANGE', `node id must be 1..65535 bytes, got ${id.length}`);
  }
  const out = new Uint8Array(HEADER + id.length + cc.context.length);
  out[0] = VERSION;
  out[1] = cc.type;
  out[2] = id.length >>> 8;
  out[3] = id.length & 0xff;
  out.set(id, HEADER);
  out.set(cc.context, HEADER + id.length);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < HEADER || data[0] !== VERSION) {
    throw new RaftError('INVARIANT', 'corrupt ConfChange entry: bad header');
  }
  const type = data[1] as number;
  if (
    type !== ConfChangeType.AddVoter &&
    type !== ConfChangeType.AddLearner &&
    type !== ConfChangeType.RemoveNode
  ) {
    throw new RaftError('INVARIANT', `corrupt ConfChange entry: unknown type ${type}`);
  }
  const idLength = ((data[2] as number) << 8) | (data[3] as number);
  if (idLength === 0 || HEADER + idLength > data.length) {
    throw new RaftError('INVARIANT', 'corrupt ConfChange entry: bad node id length');
  }
  let nodeId: string;
  try {
    nodeId = decoder.decode(data.subarray(HEADER, HEADER + idLength));
  } catch {
    throw new RaftError('INVARIANT', 'corrupt ConfChange entry: node id is not UTF-8');
  }
  return { type, nodeId, context: data.slice(HEADER + idLength) };
}
