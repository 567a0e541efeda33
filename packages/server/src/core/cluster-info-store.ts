import { randomBytes, randomUUID } from 'node:crypto';
import type { Storage } from '@coffer/barrier';
import type { ClusterInfo } from './core-runtime.js';

const KEY = 'core/cluster/info';

/** Reads the cluster's name and ID, creating them on first use (`vault-cluster-1a2b3c4d` style). */
export async function loadOrCreateClusterInfo(
  storage: Storage,
  configuredName: string | undefined,
): Promise<ClusterInfo> {
  const raw = await storage.get(KEY);
  if (raw !== undefined) {
    const json = JSON.parse(new TextDecoder().decode(raw)) as { name?: unknown; id?: unknown };
    if (typeof json.name === 'string' && typeof json.id === 'string') {
      return { name: configuredName ?? json.name, id: json.id };
    }
  }
  const info = {
    name: configuredName ?? `vault-cluster-${randomBytes(4).toString('hex')}`,
    id: randomUUID(),
  };
  await storage.put(KEY, new TextEncoder().encode(JSON.stringify(info)));
  return info;
}
