import { randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a join challenge can be answered. */
export const JOIN_CHALLENGE_TTL_MS = 5 * 60_000;
/** Pending challenges kept at most (the endpoint is unauthenticated). */
const MAX_PENDING = 256;
const CHALLENGE_BYTES = 16;

interface Pending {
  readonly answer: Buffer;
  readonly expiresAt: number;
}

/**
 * The active node's pending raft join challenges: 16 random bytes per server id, kept in memory
 * only, answerable once within the TTL. A new challenge for the same id replaces the old one.
 */
export class JoinChallenges {
  readonly #pending = new Map<string, Pending>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: { now?: () => number; ttlMs?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.ttlMs ?? JOIN_CHALLENGE_TTL_MS;
  }

  /** Creates (or replaces) the challenge for `serverId`; returns its plaintext (encrypt it before sending). */
  create(serverId: string): Uint8Array {
    this.#expire();
    if (!this.#pending.has(serverId) && this.#pending.size >= MAX_PENDING) {
      const oldest = this.#pending.keys().next().value;
      if (oldest !== undefined) this.#pending.delete(oldest);
    }
    const answer = randomBytes(CHALLENGE_BYTES);
    this.#pending.set(serverId, { answer, expiresAt: this.#now() + this.#ttlMs });
    return Uint8Array.from(answer);
  }

  /** True once for the right answer within the TTL (constant-time compare); the challenge is consumed either way. */
  verify(serverId: string, answer: Uint8Array): boolean {
    this.#expire();
    const pending = this.#pending.get(serverId);
    if (pending === undefined) return false;
    this.#pending.delete(serverId);
    const ok = answer.byteLength === pending.answer.byteLength && timingSafeEqual(pending.answer, answer);
    pending.answer.fill(0);
    return ok;
  }

  get size(): number {
    return this.#pending.size;
  }

  clear(): void {
    for (const p of this.#pending.values()) p.answer.fill(0);
    this.#pending.clear();
  }

  #expire(): void {
    const now = this.#now();
    for (const [id, p] of this.#pending) {
      if (p.expiresAt <= now) {
        p.answer.fill(0);
        this.#pending.delete(id);
      }
    }
  }
}
