import type { HclEntry, HclExpr, HclObject } from '../hcl/index.js';
import { ConfigError } from './config-error.js';
import { DurationError } from './duration-error.js';
import { parseDuration } from './parse-duration.js';

/**
 * Readers for typed configuration values. Each accepts what Vault's decoding (HCL1 plus
 * mapstructure "weak" decoding and go-secure-stdlib parseutil) accepts, and throws a positioned
 * `ConfigError` otherwise.
 */

function describe(value: HclExpr): string {
  switch (value.kind) {
    case 'object':
      return 'a block/object';
    case 'list':
      return 'a list';
    case 'string':
      return `the string ${JSON.stringify(value.value)}`;
    case 'number':
      return `the number ${value.raw}`;
    case 'bool':
      return `the boolean ${String(value.value)}`;
  }
}

/** A string; an integer literal is accepted and kept as written (`node_id = 1` is "1"). */
export function readString(entry: HclEntry): string {
  const v = entry.value;
  if (v.kind === 'string') return v.value;
  if (v.kind === 'number' && !v.float) return v.raw;
  throw new ConfigError(v.pos, `"${entry.key.name}" must be a string, got ${describe(v)}`);
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

/** A boolean; also the strings Go's strconv.ParseBool accepts ("true", "1", "f", ...) and numbers (non-zero is true). */
export function readBool(entry: HclEntry): boolean {
  const v = entry.value;
  if (v.kind === 'bool') return v.value;
  if (v.kind === 'number') return v.value !== 0;
  if (v.kind === 'string') {
    if (GO_TRUE.has(v.value)) return true;
    if (GO_FALSE.has(v.value)) return false;
  }
  throw new ConfigError(
    v.pos,
    `"${entry.key.name}" must be a boolean (true/false, "true"/"false", "1"/"0"), got ${describe(v)}`,
  );
}

/** An integer; a string holding a decimal integer is accepted (`trailing_logs = "10000"`). */
export function readInt(entry: HclEntry, range?: { min?: number; max?: number }): number {
  const v = entry.value;
  let n: number | undefined;
  if (v.kind === 'number' && Number.isInteger(v.value)) n = v.value;
  else if (v.kind === 'string' && /^[+-]?[0-9]+$/.test(v.value.trim())) n = Number(v.value.trim());
  if (n === undefined || !Number.isSafeInteger(n)) {
    throw new ConfigError(v.pos, `"${entry.key.name}" must be an integer, got ${describe(v)}`);
  }
  if (range?.min !== undefined && n < range.min) {
    throw new ConfigError(v.pos, `"${entry.key.name}" must be at least ${range.min}, got ${n}`);
  }
  if (range?.max !== undefined && n > range.max) {
    throw new ConfigError(v.pos, `"${entry.key.name}" must be at most ${range.max}, got ${n}`);
  }
  return n;
}

/** A non-negative duration in whole seconds: a Go duration string (`"768h"`, `"1h30m"`), `"Nd"`, or integer seconds. */
export function readDuration(entry: HclEntry): number {
  const v = entry.value;
  if (v.kind !== 'string' && v.kind !== 'number') {
    throw new ConfigError(
      v.pos,
      `"${entry.key.name}" must be a duration such as "768h" or a number of seconds, got ${describe(v)}`,
    );
  }
  try {
    return parseDuration(v.value);
  } catch (err) {
    if (err instanceof DurationError)
      throw new ConfigError(v.pos, `"${entry.key.name}": ${err.message}`, { cause: err });
    throw err;
  }
}

/** The blocks given for a key: one object, or a list of objects (JSON's way of repeating a block). */
export function readBlocks(entry: HclEntry): HclObject[] {
  const v = entry.value;
  if (v.kind === 'object') return [v];
  if (v.kind === 'list') {
    return v.elements.map((el) => {
      if (el.kind !== 'object')
        throw new ConfigError(el.pos, `"${entry.key.name}" must be a block, got ${describe(el)} in a list`);
      return el;
    });
  }
  throw new ConfigError(v.pos, `"${entry.key.name}" must be a block ({ ... }), got ${describe(v)}`);
}

/** The closest known key to a misspelt one (edit distance at most 2), for "did you mean" hints. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
