import type { Storage } from '@coffer/barrier';
import { clusterCaFromJson, clusterCaToJson, type ClusterCa } from '../cluster/cluster-ca.js';
import {
  clusterTlsMaterialFromJson,
  clusterTlsMaterialToJson,
  type ClusterTlsMaterial,
} from '../cluster/cluster-tls-material.js';

/**
 * What the HA layer keeps in replicated storage, always through the barrier (encrypted):
 *
 * - `core/cluster/ca`: the cluster CA (certificate and key); only the active node signs with it;
 * - `core/cluster/tls/<node id>`: each node's mTLS material, so a restarted node finds its own
 *   after unsealing (read from the local FSM before raft starts);
 * - `core/cluster/nodes/<node id>`: each node's advertised addresses;
 * - `core/cluster/leader`: the active node's addresses (API, cluster), term and activation
 *   time, written when it becomes active; standbys forward to its cluster address (raft and
 *   request forwarding share that port) and redirect to its API address.
 */
export const CLUSTER_CA_KEY = 'core/cluster/ca';
export const LEADER_RECORD_KEY = 'core/cluster/leader';
export const AUTOPILOT_CONFIG_KEY = 'core/cluster/autopilot';
export const NODE_TLS_PREFIX = 'core/cluster/tls/';
export const NODE_RECORD_PREFIX = 'core/cluster/nodes/';

/**
 * Keys that describe the running cluster rather than its data: a snapshot restore keeps their
 * current values (and ignores the snapshot's), so nodes keep their identities, TLS material and
 * addresses. `core/cluster/info` (name and id) is data: it is restored.
 */
export const CLUSTER_LOCAL_PREFIXES: readonly string[] = [
  CLUSTER_CA_KEY,
  LEADER_RECORD_KEY,
  AUTOPILOT_CONFIG_KEY,
  NODE_TLS_PREFIX,
  NODE_RECORD_PREFIX,
];

export interface NodeRecord {
  readonly nodeId: string;
  /** Full URL ('' when the node has no api_addr). */
  readonly apiAddr: string;
  /** host:port of the cluster port (raft and request forwarding). */
  readonly clusterAddr: string;
  readonly hostname: string;
  readonly nonVoter: boolean;
}

export interface LeaderRecord {
  readonly nodeId: string;
  /** Raft term in which this node became active; a record of another term is stale. */
  readonly term: number;
  readonly apiAddr: string;
  /** host:port of the cluster port: standbys dial it for raft and for request forwarding. */
  readonly clusterAddr: string;
  readonly activeTime: Date;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readJson(storage: Storage, key: string): Promise<Record<string, unknown> | undefined> {
  const raw = await storage.get(key);
  if (raw === undefined) return undefined;
  const value: unknown = JSON.parse(decoder.decode(raw));
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

async function writeJson(storage: Storage, key: string, value: unknown): Promise<void> {
  await storage.put(key, encoder.encode(JSON.stringify(value)));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function readClusterCa(storage: Storage): Promise<ClusterCa | undefined> {
  const json = await readJson(storage, CLUSTER_CA_KEY);
  return json === undefined ? undefined : clusterCaFromJson(json);
}

export async function writeClusterCa(storage: Storage, ca: ClusterCa): Promise<void> {
  await writeJson(storage, CLUSTER_CA_KEY, clusterCaToJson(ca));
}

export async function readNodeTls(storage: Storage, nodeId: string): Promise<ClusterTlsMaterial | undefined> {
  const json = await readJson(storage, NODE_TLS_PREFIX + nodeId);
  return json === undefined ? undefined : clusterTlsMaterialFromJson(json);
}

export async function writeNodeTls(
  storage: Storage,
  nodeId: string,
  material: ClusterTlsMaterial,
): Promise<void> {
  await writeJson(storage, NODE_TLS_PREFIX + nodeId, clusterTlsMaterialToJson(material));
}

export async function readNodeRecord(storage: Storage, nodeId: string): Promise<NodeRecord | undefined> {
  const j = await readJson(storage, NODE_RECORD_PREFIX + nodeId);
  if (j === undefined) return undefined;
  return {
    nodeId,
    apiAddr: str(j['api_addr']),
    clusterAddr: str(j['cluster_addr']),
    hostname: str(j['hostname']),
    nonVoter: j['non_voter'] === true,
  };
}

export async function writeNodeRecord(storage: Storage, r: NodeRecord): Promise<void> {
  await writeJson(storage, NODE_RECORD_PREFIX + r.nodeId, {
    api_addr: r.apiAddr,
    cluster_addr: r.clusterAddr,
    hostname: r.hostname,
    non_voter: r.nonVoter,
  });
}

export async function deleteNodeRecords(storage: Storage, nodeId: string): Promise<void> {
  await storage.delete(NODE_RECORD_PREFIX + nodeId);
  await storage.delete(NODE_TLS_PREFIX + nodeId);
}

/**
 * Reads the leader record. Records written before forwarding moved onto the cluster port also
 * carry `forwarding_addr` (a second, ephemeral port): it is ignored, forwarding dials `cluster_addr`.
 */
export async function readLeaderRecord(storage: Storage): Promise<LeaderRecord | undefined> {
  const j = await readJson(storage, LEADER_RECORD_KEY);
  if (j === undefined) return undefined;
  const time = new Date(str(j['active_time']));
  return {
    nodeId: str(j['node_id']),
    term: typeof j['term'] === 'number' ? j['term'] : 0,
    apiAddr: str(j['api_addr']),
    clusterAddr: str(j['cluster_addr']),
    activeTime: Number.isNaN(time.getTime()) ? new Date(0) : time,
  };
}

export async function writeLeaderRecord(storage: Storage, r: LeaderRecord): Promise<void> {
  await writeJson(storage, LEADER_RECORD_KEY, {
    node_id: r.nodeId,
    term: r.term,
    api_addr: r.apiAddr,
    cluster_addr: r.clusterAddr,
    active_time: r.activeTime.toISOString(),
  });
}

export async function readAutopilotJson(storage: Storage): Promise<Record<string, unknown> | undefined> {
  return readJson(storage, AUTOPILOT_CONFIG_KEY);
}

export async function writeAutopilotJson(storage: Storage, value: Record<string, unknown>): Promise<void> {
  await writeJson(storage, AUTOPILOT_CONFIG_KEY, value);
}
