/**
 * Wing–Gong / Lowe linearizability search ("just-in-time linearization") over one object, with
 * Lowe's memoisation of (linearized set, state) configurations — the algorithm of Porcupine's
 * `checkSingle`, specialised for speed:
 *
 * - Operations form a doubly linked list of call/return events sorted by time (calls before
 *   returns at equal times: equal timestamps count as concurrent, never as ordered). The search
 *   repeatedly linearizes a *minimal* call (one before the first pending return), lifting its
 *   call and return out of the list, and backtracks when it reaches a return whose op it could
 *   not linearize.
 * - Indeterminate ops (`complete = Infinity`) never block anything. The search succeeds as soon
 *   as every *definite* op is linearized: indeterminate ops left over "never took effect".
 * - The memo key is a Zobrist hash of the definite-op bitset mixed with the integer state.
 *   Indeterminate ops are kept in a separate bitset and a configuration is also pruned when a
 *   *finished* (fully explored, failed) configuration with the same definite set and state had a
 *   subset of its indeterminate ops linearized: fewer indeterminate ops used means more options.
 * - Partial-order reduction for read-only ops: a legal minimal read is linearized at once and
 *   never branched on (moving a legal read earlier cannot break a linearization); if that
 *   configuration fails, its parent fails too.
 * - Then minimal calls are tried definite-first, indeterminate ops only when the definite ones
 *   are exhausted, so "did not take effect" is explored before "took effect", which is what
 *   keeps the dominance pruning above effective.
 */

export interface WglProblem {
  /** Number of operations. */
  readonly size: number;
  /** Invocation times. */
  readonly invoke: Float64Array;
  /** Completion times; Infinity = indeterminate (may take effect at any time after invoke, or never). */
  readonly complete: Float64Array;
  /** Initial state: a non-negative int32. */
  readonly init: number;
  /** The sequential model: the state after op `i` from `state` (non-negative int32), or -1 if illegal. */
  step(i: number, state: number): number;
  /**
   * 1 for ops that never change the state (reads). A legal minimal read-only op is linearized
   * greedily without branching: moving it earlier never hurts, so if that fails, everything does.
   */
  readonly readOnly?: Uint8Array;
  /**
   * Called when op `i` is linearized / un-linearized, so that `step` may prune with facts that
   * depend on the linearized set (which the memo key covers, so memoisation stays sound).
   */
  enter?(i: number): void;
  leave?(i: number): void;
}

export interface WglBudget {
  /** Stop with `unknown` after this many search steps. */
  readonly maxSteps: number;
  /** Stop with `unknown` when performance.now() passes this. */
  readonly deadlineMs: number;
  /** Stop with `unknown` when the memo holds this many configurations. */
  readonly maxConfigs: number;
}

interface WglStats {
  readonly steps: number;
  readonly configs: number;
}

export type WglResult =
  | (WglStats & { readonly kind: 'linearizable'; readonly order: number[] })
  | (WglStats & {
      readonly kind: 'not-linearizable';
      /** The last ops (up to 20) of the longest partial linearization found. */
      readonly longest: number[];
      /** The op whose return the search could not get past at that point (-1 if unknown). */
      readonly blocked: number;
    })
  | (WglStats & { readonly kind: 'unknown'; readonly reason: string });

interface CacheEntry {
  readonly state: number;
  /** The definite set, stored compactly: every slot below 32·lo is linearized; `words` covers 32·lo onwards. */
  readonly lo: number;
  readonly words: Uint32Array;
  readonly indefinite: Uint32Array;
  onStack: boolean;
}

const NIL = -1;
/** How many ops of the longest partial linearization are kept for explanations. */
const LONGEST_TAIL = 20;

export function wglSearch(p: WglProblem, budget: WglBudget): WglResult {
  const n = p.size;
  // Index spaces for the two bitsets.
  const slot = new Int32Array(n); // >= 0: definite slot; < 0: -(indefinite slot) - 1
  let nDef = 0;
  let nIndef = 0;
  for (let i = 0; i < n; i++) {
    const c = p.complete[i] as number;
    if (c < (p.invoke[i] as number)) throw new Error(`op ${i} completes before it is invoked`);
    slot[i] = c === Infinity ? -nIndef++ - 1 : nDef++;
  }
  if (nDef === 0) return { kind: 'linearizable', order: [], steps: 0, configs: 0 };

  // Event list: node 2i = call of op i, node 2i+1 = its return; head sentinel = 2n.
  const events = new Int32Array(2 * n);
  for (let k = 0; k < 2 * n; k++) events[k] = k;
  const timeOf = (node: number): number =>
    (node & 1) === 0 ? (p.invoke[node >>> 1] as number) : (p.complete[node >>> 1] as number);
  events.sort((a, b) => {
    const d = timeOf(a) - timeOf(b);
    if (d !== 0 && !Number.isNaN(d)) return d < 0 ? -1 : 1;
    return (a & 1) - (b & 1) || a - b; // calls first on ties; Infinity - Infinity is NaN: a tie
  });
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = head;
  for (let k = 0; k < 2 * n; k++) {
    const node = events[k] as number;
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  next[last] = NIL;

  const lift = (i: number): void => {
    const c = 2 * i;
    const r = c + 1;
    next[prev[c] as number] = next[c] as number;
    const nc = next[c] as number;
    if (nc !== NIL) prev[nc] = prev[c] as number;
    next[prev[r] as number] = next[r] as number;
    const nr = next[r] as number;
    if (nr !== NIL) prev[nr] = prev[r] as number;
  };
  const unlift = (i: number): void => {
    const c = 2 * i;
    const r = c + 1;
    next[prev[r] as number] = r;
    const nr = next[r] as number;
    if (nr !== NIL) prev[nr] = r;
    next[prev[c] as number] = c;
    const nc = next[c] as number;
    if (nc !== NIL) prev[nc] = c;
  };

  const defBits = new Uint32Array((nDef + 31) >>> 5);
  // The linearized definite set is mostly a prefix: `lowFree` = lowest slot not linearized,
  // `hiWord` = highest word with a bit set. Memo entries store only the words between, so a
  // step costs O(concurrency window), not O(history length).
  let lowFree = 0;
  let hiWord = -1;
  const bitSet = (k: number): boolean => ((defBits[k >>> 5] as number) & (1 << (k & 31))) !== 0;
  /** Lowest unset slot at or after k. */
  const nextFree = (k: number): number => {
    while (k < nDef && (k & 31) !== 0 && bitSet(k)) k++;
    while (k < nDef && defBits[k >>> 5] === 0xffffffff) k += 32;
    while (k < nDef && bitSet(k)) k++;
    return Math.min(k, nDef);
  };
  const indefBits = new Uint32Array(Math.max(1, (nIndef + 31) >>> 5));
  const zobrist = new Int32Array(nDef);
  let seed = 0x2545f491;
  for (let k = 0; k < nDef; k++) {
    // xorshift32: deterministic, so runs are reproducible
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    zobrist[k] = seed;
  }

  const readOnly = p.readOnly ?? new Uint8Array(n);
  const cache = new Map<number, CacheEntry[]>();
  let configs = 0;
  const opStack = new Int32Array(n);
  const lowStack = new Int32Array(n);
  const hiStack = new Int32Array(n);
  const stateStack = new Int32Array(n);
  const passStack = new Uint8Array(n);
  const entryStack: CacheEntry[] = [];
  let depth = 0;
  let state = p.init;
  let hash = 0;
  let defRemaining = nDef;
  let indefRemaining = nIndef;
  let steps = 0;
  let longest: number[] = [];
  let longestDef = -1;
  let blocked = -1;
  let longestBlocked = -1;

  const mixKey = (h: number, s: number): number => (h ^ Math.imul(s + 0x9e3779b9, 0x85ebca6b)) | 0;

  /** Is (defBits, indefBits, s) already explored or dominated by an explored failure? */
  const seen = (bucket: CacheEntry[], s: number, lo: number, len: number): boolean => {
    outer: for (const e of bucket) {
      if (e.state !== s || e.lo !== lo || e.words.length !== len) continue;
      const d = e.words;
      for (let w = 0; w < len; w++) if (d[w] !== defBits[lo + w]) continue outer;
      const ind = e.indefinite;
      let equal = true;
      for (let w = 0; w < ind.length; w++) {
        const a = ind[w] as number;
        const b = indefBits[w] as number;
        if ((a & ~b) !== 0) continue outer; // not a subset
        if (a !== b) equal = false;
      }
      if (equal || !e.onStack) return true;
    }
    return false;
  };

  let node = next[head] as number;
  // Pass 0: legal read-only calls, taken greedily; 1: definite mutations; 2: indeterminate ops.
  let pass = 0;
  let backtrack = false;
  for (;;) {
    if (++steps > budget.maxSteps)
      return { kind: 'unknown', reason: `step budget ${budget.maxSteps} exhausted`, steps, configs };
    if ((steps & 0xfff) === 0) {
      if (performance.now() > budget.deadlineMs)
        return { kind: 'unknown', reason: 'time budget exhausted', steps, configs };
      if (configs >= budget.maxConfigs)
        return { kind: 'unknown', reason: `memo limit ${budget.maxConfigs} reached`, steps, configs };
    }
    if (backtrack) {
      if (depth === 0) return { kind: 'not-linearizable', longest, blocked: longestBlocked, steps, configs };
      const linearizedDef = nDef - defRemaining;
      if (linearizedDef > longestDef) {
        longestDef = linearizedDef;
        longest = Array.from(opStack.subarray(Math.max(0, depth - LONGEST_TAIL), depth));
        longestBlocked = blocked;
      }
      depth--;
      const i = opStack[depth] as number;
      const s = slot[i] as number;
      state = stateStack[depth] as number;
      lowFree = lowStack[depth] as number;
      hiWord = hiStack[depth] as number;
      (entryStack[depth] as CacheEntry).onStack = false;
      if (s >= 0) {
        defBits[s >>> 5] = (defBits[s >>> 5] as number) & ~(1 << (s & 31));
        hash ^= zobrist[s] as number;
        defRemaining++;
      } else {
        const t = -s - 1;
        indefBits[t >>> 5] = (indefBits[t >>> 5] as number) & ~(1 << (t & 31));
        indefRemaining++;
      }
      unlift(i);
      p.leave?.(i);
      // A greedy read-only step failed: then so does the configuration it was taken from.
      const pushedIn = passStack[depth] as number;
      if (pushedIn === 0) continue;
      backtrack = false;
      pass = pushedIn;
      node = next[2 * i] as number;
      continue;
    }
    if ((node & 1) === 0) {
      const i = node >>> 1;
      const s = slot[i] as number;
      const wanted = pass === 2 ? s < 0 : s >= 0 && (readOnly[i] === 1) === (pass === 0);
      if (!wanted) {
        node = next[node] as number;
        continue;
      }
      const ns = p.step(i, state);
      if (ns >= 0) {
        let h = hash;
        let low = lowFree;
        let hi = hiWord;
        if (s >= 0) {
          defBits[s >>> 5] = (defBits[s >>> 5] as number) | (1 << (s & 31));
          h ^= zobrist[s] as number;
          if (s === low) low = nextFree(s + 1);
          if (s >>> 5 > hi) hi = s >>> 5;
        } else {
          const t = -s - 1;
          indefBits[t >>> 5] = (indefBits[t >>> 5] as number) | (1 << (t & 31));
        }
        const key = mixKey(h, ns);
        let bucket = cache.get(key);
        const lo = low >>> 5;
        const len = Math.max(0, hi - lo + 1);
        if (bucket === undefined || !seen(bucket, ns, lo, len)) {
          const entry: CacheEntry = {
            state: ns,
            lo,
            words: defBits.slice(lo, lo + len),
            indefinite: indefBits.slice(),
            onStack: true,
          };
          if (bucket === undefined) cache.set(key, (bucket = []));
          bucket.push(entry);
          configs++;
          opStack[depth] = i;
          stateStack[depth] = state;
          lowStack[depth] = lowFree;
          hiStack[depth] = hiWord;
          passStack[depth] = pass;
          entryStack[depth] = entry;
          depth++;
          state = ns;
          hash = h;
          lowFree = low;
          hiWord = hi;
          if (s >= 0) {
            if (--defRemaining === 0)
              return { kind: 'linearizable', order: Array.from(opStack.subarray(0, depth)), steps, configs };
          } else {
            indefRemaining--;
          }
          lift(i);
          p.enter?.(i);
          node = next[head] as number;
          pass = 0;
          continue;
        }
        if (s >= 0) defBits[s >>> 5] = (defBits[s >>> 5] as number) & ~(1 << (s & 31));
        else {
          const t = -s - 1;
          indefBits[t >>> 5] = (indefBits[t >>> 5] as number) & ~(1 << (t & 31));
        }
        if (pass === 0) {
          // The greedy read-only step leads to an explored failure, so this configuration fails.
          backtrack = true;
          continue;
        }
      }
      node = next[node] as number;
    } else if (pass === 0) {
      pass = 1;
      node = next[head] as number;
    } else if (pass === 1 && indefRemaining > 0) {
      pass = 2;
      node = next[head] as number;
    } else {
      // A return whose op is not linearized: nothing after it is minimal, and all before failed.
      blocked = node >>> 1;
      backtrack = true;
    }
  }
}
