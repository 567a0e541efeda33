import * as grpc from '@grpc/grpc-js';
import type { ClusterTlsMaterial } from './cluster-tls-material.js';

/**
 * Server credentials for the cluster port: this node's certificate, and client certificates
 * required and verified against the cluster CA (a peer without one, or with one from another CA,
 * fails the TLS handshake before any RPC runs).
 */
export function clusterServerCredentials(tls: ClusterTlsMaterial): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(
    Buffer.from(tls.caPem),
    [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }],
    true,
  );
}

/** Channel credentials for dialling a peer's cluster port: trust only the cluster CA, present this node's certificate. */
export function clusterChannelCredentials(tls: ClusterTlsMaterial): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(
    Buffer.from(tls.caPem),
    Buffer.from(tls.keyPem),
    Buffer.from(tls.certPem),
  );
}
