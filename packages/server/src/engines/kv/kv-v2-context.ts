import type { KeyedMutex } from '../../logical/keyed-mutex.js';

/** What every KV v2 path handler of one mount shares. */
export interface KvV2Context {
  /** Wall clock, Unix milliseconds (an input, so tests can drive delete_version_after). */
  readonly now: () => number;
  /** Serialises read-modify-write per secret path (and the mount config). */
  readonly locks: KeyedMutex;
}

/** Lock key for the mount config; cannot collide with a secret path (those never contain NUL). */
export const CONFIG_LOCK = '\u0000config';
