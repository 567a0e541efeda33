import { runBackendConformance } from '@coffer/barrier/conformance';
import type { PhysicalBackend } from '@coffer/barrier';
import { RaftStorageCluster } from './raft-storage-cluster.js';

/** The harness for a cluster of `ids`, writing and reading through the leader (`ids[0]`). */
function harness(ids: readonly string[]): Parameters<typeof runBackendConformance>[1] {
  let cluster: RaftStorageCluster | undefined;
  const leaderBackend = (c: RaftStorageCluster): PhysicalBackend => {
    const leader = c.leader();
    if (leader === undefined) throw new Error('no leader');
    return c.backend(leader.id);
  };
  return {
    create: async () => {
      cluster = await RaftStorageCluster.start(ids);
      return leaderBackend(cluster);
    },
    reopen: async () => {
      if (cluster === undefined) throw new Error('no cluster');
      // The suite closed the leader's backend (= its storage); close the others and reopen all.
      await cluster.restartAll();
      return leaderBackend(cluster);
    },
    cleanup: async () => {
      const c = cluster;
      cluster = undefined;
      await c?.destroy();
    },
  };
}

runBackendConformance('raft (single node, LevelDB)', harness(['a']));
runBackendConformance('raft (3 nodes through the leader, LevelDB)', harness(['a', 'b', 'c']));
