import type { RaftNodeStatus } from '@coffer/raft';
import { formatGoDuration } from '../logical/go-duration.js';
import type { AutopilotConfig } from '../sys/cluster-backend.js';

/** A learner this close to the leader's last index counts as caught up (and is promoted). */
export const CAUGHT_UP_SLACK = 10;

export interface ServerHealth {
  readonly id: string;
  readonly address: string;
  readonly voter: boolean;
  readonly leader: boolean;
  /** Seconds since the leader heard from it (0 for the leader; undefined: never). */
  readonly lastContact: number | undefined;
  readonly lastIndex: number;
  readonly healthy: boolean;
}

/** What one autopilot round decided (the active node carries it out, one change at a time). */
export interface AutopilotActions {
  /** Learners caught up with the leader, to become voters. */
  readonly promote: readonly string[];
  /** Voters dead for longer than the threshold, removable without going below quorum. */
  readonly remove: readonly string[];
}

/**
 * Autopilot on the active node (the raft leader): server health from the leader's replication
 * progress and last contact, learner promotion, and (only when enabled) dead-server cleanup
 * that never removes a voter when fewer than `min_quorum` would remain or when the remaining
 * healthy voters would not form a quorum. Time is an input (`now`).
 */
export class Autopilot {
  /** When each server was last seen turning healthy (ms). */
  readonly #healthySince = new Map<string, number>();

  health(status: RaftNodeStatus, config: AutopilotConfig): ServerHealth[] {
    return status.peers.map((p) => {
      const leader = p.id === status.id;
      const lastContact = leader ? 0 : p.lastContactMs === undefined ? undefined : p.lastContactMs / 1000;
      const lastIndex = leader ? status.lastIndex : (p.progress?.match ?? 0);
      const healthy =
        leader ||
        (lastContact !== undefined &&
          lastContact <= config.lastContactThreshold &&
          status.lastIndex - lastIndex <= config.maxTrailingLogs);
      return { id: p.id, address: p.address, voter: p.voter, leader, lastContact, lastIndex, healthy };
    });
  }

  /** One round: updates stability tracking and returns what to change. `nonVoters`: learners that asked to stay so. */
  decide(
    status: RaftNodeStatus,
    config: AutopilotConfig,
    nonVoters: ReadonlySet<string>,
    now: number,
  ): AutopilotActions {
    const servers = this.health(status, config);
    this.#track(servers, now);
    const promote = servers
      .filter(
        (s) =>
          !s.voter && !nonVoters.has(s.id) && s.healthy && status.lastIndex - s.lastIndex <= CAUGHT_UP_SLACK,
      )
      .map((s) => s.id);
    const remove: string[] = [];
    if (config.cleanupDeadServers) {
      const voters = servers.filter((s) => s.voter);
      let remaining = voters.length;
      let healthy = voters.filter((s) => s.healthy).length;
      for (const s of voters) {
        if (s.leader || s.healthy) continue;
        const dead = s.lastContact === undefined || s.lastContact >= config.deadServerLastContactThreshold;
        if (!dead) continue;
        const after = remaining - 1;
        if (after < Math.max(config.minQuorum, 1) || healthy < Math.floor(after / 2) + 1) continue;
        remove.push(s.id);
        remaining = after;
        healthy = voters.filter((v) => v.healthy && !remove.includes(v.id)).length;
      }
    }
    return { promote, remove };
  }

  /** The `data` of `sys/storage/raft/autopilot/state` (snake_case; durations as Go strings). */
  state(status: RaftNodeStatus, config: AutopilotConfig, now: number): Record<string, unknown> {
    const servers = this.health(status, config);
    this.#track(servers, now);
    const voters = servers.filter((s) => s.voter);
    const healthyVoters = voters.filter((s) => s.healthy).length;
    const quorum = Math.floor(voters.length / 2) + 1;
    const serverMap: Record<string, unknown> = {};
    for (const s of servers) {
      const since = this.#healthySince.get(s.id);
      serverMap[s.id] = {
        id: s.id,
        name: s.id,
        address: s.address,
        node_status:
          s.lastContact === undefined || s.lastContact > config.deadServerLastContactThreshold
            ? 'left'
            : 'alive',
        version: '',
        last_contact:
          s.lastContact === undefined ? '' : formatGoDuration(Math.round(s.lastContact * 1000) / 1000),
        last_term: status.term,
        last_index: s.lastIndex,
        healthy: s.healthy,
        stable_since: new Date(since ?? now).toISOString(),
        status: s.leader ? 'leader' : s.voter ? 'voter' : 'non-voter',
        node_type: s.voter ? 'voter' : 'non-voter',
        meta: {},
      };
    }
    const nonVoters = servers.filter((s) => !s.voter).map((s) => s.id);
    return {
      healthy: servers.every((s) => s.healthy),
      failure_tolerance: Math.max(0, healthyVoters - quorum),
      optimistic_failure_tolerance: Math.max(0, voters.length - quorum),
      leader: status.id,
      voters: voters.map((s) => s.id),
      ...(nonVoters.length > 0 ? { non_voters: nonVoters } : {}),
      servers: serverMap,
    };
  }

  #track(servers: readonly ServerHealth[], now: number): void {
    const present = new Set(servers.map((s) => s.id));
    for (const id of this.#healthySince.keys()) if (!present.has(id)) this.#healthySince.delete(id);
    for (const s of servers) {
      if (!s.healthy) this.#healthySince.delete(s.id);
      else if (!this.#healthySince.has(s.id)) this.#healthySince.set(s.id, now);
    }
  }
}
