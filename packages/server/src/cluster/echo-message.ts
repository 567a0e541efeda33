/** Standby → active heartbeat. */
export interface EchoRequest {
  readonly nodeId: string;
  readonly clusterAddress: string;
  readonly appliedIndex: number;
}

/** Active → standby heartbeat answer. */
export interface EchoReply {
  readonly nodeId: string;
  readonly clusterAddress: string;
  readonly appliedIndex: number;
}
