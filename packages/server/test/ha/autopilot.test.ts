import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Role, type PeerInfo, type RaftNodeStatus } from '@coffer/raft';
import { Autopilot } from '../../src/ha/autopilot.js';
import { DEFAULT_AUTOPILOT_CONFIG } from '../../src/ha/autopilot-config.js';
import type { AutopilotConfig } from '../../src/sys/cluster-backend.js';

interface PeerSpec {
  readonly voter?: boolean;
  /** ms since last contact; undefined = never heard from. */
  readonly contactMs?: number;
  readonly match?: number;
}

/** A leader ('a', last index 100) with the given other peers. */
function status(peers: Record<string, PeerSpec>, lastIndex = 100): RaftNodeStatus {
  const all: PeerInfo[] = [
    { id: 'a', address: 'a:8201', voter: true, lastContactMs: 0, progress: undefined },
    ...Object.entries(peers).map(([id, p]) => ({
      id,
      address: `${id}:8201`,
      voter: p.voter ?? true,
      lastContactMs: 'contactMs' in p ? p.contactMs : 100,
      progress: {
        match: p.match ?? lastIndex,
        next: lastIndex + 1,
        state: 'replicate' as const,
        recentActive: true,
        isLearner: p.voter === false,
        pendingSnapshot: 0,
        inflight: 0,
      },
    })),
  ];
  return {
    id: 'a',
    term: 7,
    vote: 'a',
    role: Role.Leader,
    leader: 'a',
    leaderAddress: 'a:8201',
    commit: lastIndex,
    applied: lastIndex,
    firstIndex: 1,
    lastIndex,
    snapshotIndex: 0,
    snapshotTerm: 0,
    config: {
      voters: all.filter((p) => p.voter).map((p) => p.id),
      learners: all.filter((p) => !p.voter).map((p) => p.id),
    },
    peers: all,
    metrics: {} as RaftNodeStatus['metrics'],
  };
}

const cleanup: AutopilotConfig = {
  ...DEFAULT_AUTOPILOT_CONFIG,
  cleanupDeadServers: true,
  deadServerLastContactThreshold: 60,
  minQuorum: 3,
};

void describe('Autopilot', () => {
  void it('promotes a learner once it has caught up, not before, and never one that asked to stay a non-voter', () => {
    const ap = new Autopilot();
    assert.deepEqual(
      ap.decide(status({ b: {}, c: { voter: false, match: 40 } }), DEFAULT_AUTOPILOT_CONFIG, new Set(), 0)
        .promote,
      [],
    );
    assert.deepEqual(
      ap.decide(status({ b: {}, c: { voter: false, match: 95 } }), DEFAULT_AUTOPILOT_CONFIG, new Set(), 0)
        .promote,
      ['c'],
    );
    assert.deepEqual(
      ap.decide(status({ b: {}, c: { voter: false } }), DEFAULT_AUTOPILOT_CONFIG, new Set(['c']), 0).promote,
      [],
    );
    // Caught up but silent for longer than last_contact_threshold: not healthy, not promoted.
    assert.deepEqual(
      ap.decide(status({ c: { voter: false, contactMs: 30_000 } }), DEFAULT_AUTOPILOT_CONFIG, new Set(), 0)
        .promote,
      [],
    );
  });

  void it('removes no dead server unless cleanup is enabled', () => {
    const ap = new Autopilot();
    const s = status({ b: {}, c: {}, d: {}, e: { contactMs: 3_600_000 } });
    assert.deepEqual(ap.decide(s, DEFAULT_AUTOPILOT_CONFIG, new Set(), 0).remove, []);
    assert.deepEqual(ap.decide(s, cleanup, new Set(), 0).remove, ['e']);
  });

  void it('never prunes below min_quorum or below a healthy quorum', () => {
    const ap = new Autopilot();
    // Three voters, one dead: removing it leaves 2 < min_quorum 3.
    assert.deepEqual(
      ap.decide(status({ b: {}, c: { contactMs: 3_600_000 } }), cleanup, new Set(), 0).remove,
      [],
    );
    // Five voters, three dead: after one removal 4 voters need 3 healthy, only 2 are.
    const five = status({
      b: {},
      c: { contactMs: 3_600_000 },
      d: { contactMs: 3_600_000 },
      e: { contactMs: 3_600_000 },
    });
    assert.deepEqual(ap.decide(five, cleanup, new Set(), 0).remove, []);
    // Dead, but not yet past dead_server_last_contact_threshold.
    assert.deepEqual(
      ap.decide(status({ b: {}, c: {}, d: {}, e: { contactMs: 30_000 } }), cleanup, new Set(), 0).remove,
      [],
    );
  });

  void it('reports state with snake_case keys, Go durations and failure tolerance', () => {
    const ap = new Autopilot();
    const state = ap.state(
      status({ b: { contactMs: 250 }, c: { voter: false } }),
      DEFAULT_AUTOPILOT_CONFIG,
      Date.parse('2026-01-01T00:00:00Z'),
    );
    assert.equal(state['healthy'], true);
    assert.equal(state['leader'], 'a');
    assert.deepEqual(state['voters'], ['a', 'b']);
    assert.deepEqual(state['non_voters'], ['c']);
    assert.equal(state['failure_tolerance'], 0);
    const servers = state['servers'] as Record<string, Record<string, unknown>>;
    assert.equal(servers['b']?.['last_contact'], '250ms');
    assert.equal(servers['a']?.['status'], 'leader');
    assert.equal(servers['c']?.['status'], 'non-voter');
    assert.equal(servers['b']?.['last_index'], 100);
    assert.equal(servers['b']?.['last_term'], 7);
    assert.equal(servers['b']?.['stable_since'], '2026-01-01T00:00:00.000Z');
    const three = ap.state(status({ b: {}, c: {} }), DEFAULT_AUTOPILOT_CONFIG, 0);
    assert.equal(three['failure_tolerance'], 1);
    const sick = ap.state(status({ b: {}, c: { contactMs: 60_000 } }), DEFAULT_AUTOPILOT_CONFIG, 0);
    assert.equal(sick['healthy'], false);
    assert.equal(sick['failure_tolerance'], 0);
  });
});
