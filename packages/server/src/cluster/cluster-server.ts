import { createServer, type Server, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { clusterServerCredentials } from './cluster-credentials.js';
import { clusterServerOptions } from './cluster-grpc-options.js';
import type { ClusterTlsMaterial } from './cluster-tls-material.js';

/**
 * The cluster port's gRPC server. It accepts TCP connections itself (a `net.Server`) and hands
 * them to gRPC through a connection injector, so it knows every accepted socket: `forceShutdown()`
 * destroys them. gRPC's own shutdown only closes HTTP/2 sessions gracefully (Node waits for the
 * socket's writable side to finish) and leaves connections that never finished the TLS handshake
 * open, so a peer that is stopped (SIGSTOP) or silent would keep this process alive.
 */
export class ClusterServer extends grpc.Server {
  readonly #sockets = new Set<Socket>();
  readonly #listeners = new Set<Server>();
  readonly #injectors: { destroy(): void }[] = [];
  #down = false;

  /** Accepted connections still open. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Listens on `listen` (host:port); resolves with the bound port. */
  async listen(listen: string, credentials: grpc.ServerCredentials): Promise<number> {
    if (this.#down) throw new Error('cluster server was shut down');
    const { host, port } = splitHostPort(listen);
    const injector = this.createConnectionInjector(credentials);
    this.#injectors.push(injector);
    const server = createServer((socket) => {
      if (this.#down) {
        socket.destroy();
        return;
      }
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      injector.injectConnection(socket);
    });
    this.#listeners.add(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address();
    return typeof a === 'object' && a !== null ? a.port : port;
  }

  override forceShutdown(): void {
    this.#down = true;
    super.forceShutdown();
    for (const i of this.#injectors.splice(0)) i.destroy();
    for (const l of this.#listeners) l.close();
    this.#listeners.clear();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }
}

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  if (i <= 0) throw new Error(`cluster listen address "${listen}" is not host:port`);
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`cluster listen address "${listen}" has no valid port`);
  return { host, port };
}

/**
 * The cluster port's gRPC server, one per node: Raft's transport and request forwarding register
 * their services on it (`GrpcTransport({ server })`, `ForwardingServer.attach`) before it is
 * bound, so the one `cluster_addr` carries both, like Vault's cluster port.
 */
export function createClusterServer(): ClusterServer {
  return new ClusterServer(clusterServerOptions);
}

/**
 * Binds `server` on `listen` (host:port) with the cluster's mutual TLS: client certificates are
 * required and verified against the cluster CA, so a peer without one, or with one from another
 * CA, fails the handshake before any service sees a call. Resolves with the bound port.
 */
export function bindClusterServer(
  server: grpc.Server,
  listen: string,
  tls: ClusterTlsMaterial,
): Promise<number> {
  if (server instanceof ClusterServer) return server.listen(listen, clusterServerCredentials(tls));
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(listen, clusterServerCredentials(tls), (err, port) =>
      err ? reject(err) : resolve(port),
    );
  });
}
