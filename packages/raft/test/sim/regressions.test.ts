// Replays one seed (SIM_SEED=n, optional SIM_STEPS, SIM_LEASE=1 for leader leases, SIM_TRACE=1 for
// an event trace), and keeps every seed that ever failed as a named regression, with what it found.
import test from 'node:test';
import { runSeed } from './run-seed.js';

interface Regression {
  readonly seed: number;
  readonly steps: number;
  /** What the seed found, and where the fix is. */
  readonly found: string;
}

const regressions: readonly Regression[] = [
  {
    seed: 1041,
    steps: 2000,
    found:
      'Raft.takeMessages handed out the live (empty) message array; messages produced while the Ready was ' +
      'outstanding leaked into it, so a follower acknowledged entries before its fsync (crash → commit beyond last index)',
  },
  {
    seed: 1724,
    steps: 2000,
    found: 'same bug as 1041 (outstanding Ready aliasing the message queue), another interleaving',
  },
  {
    seed: 132,
    steps: 2000,
    found:
      'ignoring (pre)votes from nodes outside the receiver’s configuration deadlocked the cluster when the ' +
      'receiver lagged in configuration (a joiner with an empty one); the rule was removed',
  },
  {
    seed: 800,
    steps: 2000,
    found: 'same bug as 132 (configuration-based vote filter), a stale learner stuck at a higher term',
  },
  {
    seed: 538,
    steps: 2000,
    found:
      'liveness check of the harness never re-proposed its final write after the leader that took it lost its term ' +
      '(pre-vote and check-quorum off, four voters, repeated split votes)',
  },
  {
    seed: 17175,
    steps: 2000,
    found:
      'liveness: a Vote request with a stale term was dropped without an answer; a candidate lagging in term and ' +
      'configuration never learned the current term, while the only node able to elect it stayed out of reach ' +
      '(pre-vote off). Raft.step now rejects stale Votes with its term, as it already did for PreVotes',
  },
];

const replay = process.env['SIM_SEED'];
if (replay !== undefined) {
  const steps = Number(process.env['SIM_STEPS'] ?? 2000);
  const trace = process.env['SIM_TRACE'] === '1' ? (line: string) => console.log(line) : undefined;
  const lease = process.env['SIM_LEASE'] === '1';
  void test(`replay seed ${replay} (${steps} steps${lease ? ', leases' : ''})`, () => {
    runSeed(Number(replay), steps, trace, { lease });
  });
}

for (const r of regressions) {
  void test(`regression seed ${r.seed}: ${r.found}`, () => {
    runSeed(r.seed, r.steps);
  });
}
