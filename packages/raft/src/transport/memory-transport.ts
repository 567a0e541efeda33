import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, NodeId } from '../core/types.js';
import type { MemoryNetwork } from './memory-network.js';
import type { MessageHandler, SnapshotHandler, Transport, UnreachableHandler } from './transport.js';
import { TransportError } from './transport-error.js';

/** One node's endpoint on a MemoryNetwork. Create it with `network.transport(id)`. */
export class MemoryTransport implements Transport {
  readonly address: string;
  #open = true;
  #onMessage: MessageHandler = () => {};
  #onSnapshot: SnapshotHandler = () => Promise.reject(new Error('no snapshot handler'));
  #onUnreachable: UnreachableHandler = () => {};
  readonly #peers = new Map<NodeId, string>();
  readonly #snapshotAborts = new Set<() => void>();

  constructor(
    readonly id: NodeId,
    readonly network: MemoryNetwork,
  ) {
    this.address = `mem://${id}`;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async start(): Promise<void> {}

  send(messages: readonly Message[]): void {
    if (!this.#open || messages.length === 0) return;
    let routable: readonly Message[] = messages;
    if (messages.some((m) => !this.#peers.has(m.to)))
      routable = messages.filter((m) => this.#peers.has(m.to));
    for (const peer of this.network.route(this.id, routable)) this.#onUnreachable(peer);
  }

  onMessage(handler: MessageHandler): void {
    this.#onMessage = handler;
  }

  onSnapshot(handler: SnapshotHandler): void {
    this.#onSnapshot = handler;
  }

  onUnreachable(handler: UnreachableHandler): void {
    this.#onUnreachable = handler;
  }

  addPeer(id: NodeId, address: string): void {
    this.#peers.set(id, address);
  }

  removePeer(id: NodeId): void {
    this.#peers.delete(id);
  }

  addressOf(id: NodeId): string | undefined {
    return id === this.id ? this.address : this.#peers.get(id);
  }

  async sendSnapshot(message: Message, data: AsyncIterable<Uint8Array>): Promise<void> {
    const to = message.to;
    if (!this.#open) throw new TransportError('closed', to, 'transport closed');
    const target = this.network.endpoint(to);
    if (target === undefined || !this.#peers.has(to) || !this.network.reachable(this.id, to)) {
      throw new TransportError('unreachable', to, 'peer unreachable');
    }
    let aborted = false;
    const abort = (): void => {
      aborted = true;
    };
    this.#snapshotAborts.add(abort);
    const network = this.network;
    const from = this.id;
    // The receiver pulls chunks from the sender's iterable: backpressure is the pull itself.
    async function* relay(): AsyncIterable<Uint8Array> {
      for await (const chunk of data) {
        if (aborted) throw new TransportError('closed', to, 'sender closed');
        if (!network.reachable(from, to))
          throw new TransportError('unreachable', to, 'link cut during snapshot');
        if (network.delayMs > 0) await sleep(network.delayMs);
        yield chunk;
      }
    }
    try {
      await target.receiveSnapshot(message, relay());
    } catch (err) {
      if (err instanceof TransportError) throw err;
      throw new TransportError('snapshot_failed', to, err instanceof Error ? err.message : String(err));
    } finally {
      this.#snapshotAborts.delete(abort);
    }
  }

  /** @internal Delivers one message from the network. */
  deliver(message: Message): void {
    if (!this.#peers.has(message.from)) this.#peers.set(message.from, `mem://${message.from}`);
    this.#onMessage(message);
  }

  /** @internal Hands an incoming snapshot to the handler. */
  receiveSnapshot(message: Message, data: AsyncIterable<Uint8Array>): Promise<void> {
    if (!this.#peers.has(message.from)) this.#peers.set(message.from, `mem://${message.from}`);
    return this.#onSnapshot(message, data);
  }

  async close(): Promise<void> {
    this.#open = false;
    for (const abort of this.#snapshotAborts) abort();
    this.network.detach(this.id);
  }
}
