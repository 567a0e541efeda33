import * as grpc from '@grpc/grpc-js';
import { clusterServerCredentials } from './cluster-credentials.js';
import { clusterServerOptions } from './cluster-grpc-options.js';
import type { ClusterTlsMaterial } from './cluster-tls-material.js';

/**
 * The cluster port's gRPC server, one per node: Raft's transport and request forwarding register
 * their services on it (`GrpcTransport({ server })`, `ForwardingServer.attach`) before it is
 * bound, so the one `cluster_addr` carries both, like Vault's cluster port.
 */
export function createClusterServer(): grpc.Server {
  return new grpc.Server(clusterServerOptions);
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
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(listen, clusterServerCredentials(tls), (err, port) =>
      err ? reject(err) : resolve(port),
    );
  });
}
