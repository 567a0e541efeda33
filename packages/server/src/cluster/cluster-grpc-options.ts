import type * as grpc from '@grpc/grpc-js';

/** Largest gRPC message either side sends or accepts: room for a 32 MiB request body plus headers. */
export const CLUSTER_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Options for a cluster-port `grpc.Server` (pass them when creating a server shared with the raft
 * transport): large messages, and keepalive pings from standbys permitted even between calls.
 */
export const clusterServerOptions: grpc.ServerOptions = {
  'grpc.max_receive_message_length': CLUSTER_MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': CLUSTER_MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 1_000,
};
