import type { NodeId } from '../core/types.js';

/** A snapshot could not be delivered to a peer. */
export class TransportError extends Error {
  readonly code: 'unreachable' | 'snapshot_failed' | 'closed';
  readonly peer: NodeId;

  constructor(code: 'unreachable' | 'snapshot_failed' | 'closed', peer: NodeId, detail: string) {
    super(`transport to ${peer}: ${detail}`);
    this.name = 'TransportError';
    this.code = code;
    this.peer = peer;
  }
}
