import type { Message, NodeId } from '../core/types.js';

/** Receives one raft message from a peer. */
export type MessageHandler = (message: Message) => void;

/**
 * Receives a streamed snapshot: `message` is the Snap message (its `snapshot.data` is empty; the
 * bytes arrive through `data`, pulled at the receiver's pace). The sender's `sendSnapshot`
 * resolves when the returned promise resolves and rejects when it rejects.
 */
export type SnapshotHandler = (message: Message, data: AsyncIterable<Uint8Array>) => Promise<void>;

/** Told when a peer could not be reached (the driver reports it to the core as Unreachable). */
export type UnreachableHandler = (peer: NodeId) => void;

/**
 * How raft nodes talk. `send` is fire-and-forget: messages may be lost, delayed, duplicated or
 * reordered, and raft tolerates all of it. Snapshots travel separately, streamed with
 * backpressure, and their outcome is reported.
 */
export interface Transport {
  /** This node's id. */
  readonly id: NodeId;
  /** The address peers use to reach this node (after `start`). */
  readonly address: string;
  /** Starts listening; resolves once peers can reach this node. */
  start(): Promise<void>;
  /** Queues messages for their `to` peers; never throws, never waits. */
  send(messages: readonly Message[]): void;
  onMessage(handler: MessageHandler): void;
  /**
   * Streams a snapshot to `message.to`. Resolves once the receiver's handler has accepted it;
   * rejects on failure (unreachable peer, stream error, receiver rejection, stall).
   */
  sendSnapshot(message: Message, data: AsyncIterable<Uint8Array>): Promise<void>;
  onSnapshot(handler: SnapshotHandler): void;
  onUnreachable(handler: UnreachableHandler): void;
  /** The address known for `id` (given or learned from its traffic). */
  addressOf(id: NodeId): string | undefined;
  /** Adds or updates a peer's address. */
  addPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  /** Stops sending and listening; pending snapshot sends reject. */
  close(): Promise<void>;
}
