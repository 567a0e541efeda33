/**
 * The contract between the mixed load driver (mixed-load.ts) and the workloads (W1 register,
 * W2 set, W4 counter): the driver paces the clients, picks a random node and a workload per step;
 * a workload issues one operation (or one read-modify-write pair), records it, and after the
 * phase reads every key it touched through every node.
 */
import type { Prng } from '../checker/prng.js';
import type { NodeClient } from './node-client.js';

export interface ClientContext {
  /** Client number (0-based). */
  readonly index: number;
  readonly prng: Prng;
  /** The node this step talks to. */
  readonly client: NodeClient;
  /** The client's current logical process id (a new one after every indeterminate outcome). */
  readonly process: string;
  /** A fresh unique value, recognisable as a canary at rest: `cnry-<seed>-<phase>-<client>-<seq>`. */
  canary(): string;
}

export interface StepResult {
  /** Operations recorded by this step. */
  readonly ops: number;
  /** Some recorded op ended `info`: the client must continue as a new process. */
  readonly indeterminate: boolean;
}

/** Final reads in flight per node after a phase (each lane is one history process). */
export const FINAL_READ_LANES = 6;

export interface FinalReadStats {
  readonly reads: number;
  /** Final reads that did not succeed after retries (the checkers may then say `unknown`). */
  readonly failed: number;
}

export interface Workload {
  /** W1, W2, W4 … */
  readonly name: string;
  /** Checker keys touched so far. */
  readonly keys: ReadonlySet<string>;
  step(ctx: ClientContext): Promise<StepResult>;
  /** Fault-free final reads (recorded): every key through every node. */
  finalReads(clients: readonly NodeClient[]): Promise<FinalReadStats>;
}
