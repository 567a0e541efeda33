/**
 * An independent reference for Vault's ACL path matching, written from the documented rules
 * (vault-api.md §7; Vault docs "Policies" → priority matching), not from src/acl:
 *
 * - A rule path is exact, ends in `*` (prefix glob, only as the last character), and/or has `+`
 *   segments (each matches exactly one path segment, possibly empty).
 * - Rules with the same path string (in any of the token's policies) merge: capabilities are
 *   unioned, and `deny` anywhere makes the rule deny-only.
 * - An exact rule equal to the request path applies. For LIST (path ends in `/`), an exact rule
 *   equal to the path without its trailing `/` also applies, and glob rules are tried against
 *   the path without the slash before the path itself.
 * - Otherwise, of all matching glob rules only the highest-priority one applies; P1 loses to P2 if
 *   (1) P1's first `+`/`*` comes earlier; (2) P1 ends in `*` and P2 does not; (3) P1 has more `+`
 *   segments; (4) P1 is shorter (without the `*`); (5) P1 is lexicographically smaller.
 * - No matching rule: denied. The operation's capability must be on the rule and `deny` must not;
 *   root-protected paths also need `sudo`.
 */

export interface RefRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

export type RefOperation = 'read' | 'list' | 'create' | 'update' | 'delete' | 'patch';

function isGlob(pattern: string): boolean {
  return pattern.endsWith('*') || pattern.split('/').includes('+');
}

function regexOf(pattern: string): RegExp {
  const prefix = pattern.endsWith('*');
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const source = body
    .split('/')
    .map((seg) => (seg === '+' ? '[^/]*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}${prefix ? '' : '$'}`, 'su');
}

/** Priority key, compared left to right; greater wins. */
function priority(pattern: string): (number | string)[] {
  const body = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  const segs = body.split('/');
  let firstWildcard = pattern.endsWith('*') ? body.length : Infinity;
  let offset = 0;
  for (const seg of segs) {
    if (seg === '+') {
      firstWildcard = Math.min(firstWildcard, offset);
      break;
    }
    offset += seg.length + 1;
  }
  const plus = segs.filter((s) => s === '+').length;
  return [firstWildcard, pattern.endsWith('*') ? 0 : 1, -plus, body.length, body];
}

function beats(a: string, b: string): boolean {
  const ka = priority(a);
  const kb = priority(b);
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] as number | string;
    const y = kb[i] as number | string;
    if (x !== y) return x > y;
  }
  return false;
}

function bestGlob(patterns: readonly string[], path: string): string | undefined {
  let best: string | undefined;
  for (const p of patterns)
    if (isGlob(p) && regexOf(p).test(path) && (best === undefined || beats(p, best))) best = p;
  return best;
}

/** The rule path string that decides `path`, or undefined (default deny). */
export function winningRule(rules: readonly RefRule[], rawPath: string, list: boolean): string | undefined {
  const path = rawPath.replace(/^\/+/, '');
  const patterns = [...new Set(rules.map((r) => r.path))];
  const exact = (p: string): string | undefined => patterns.find((x) => !isGlob(x) && x === p);
  const direct = exact(path);
  if (direct !== undefined) return direct;
  if (list) {
    const noSlash = path.endsWith('/') ? path.slice(0, -1) : path;
    const viaExact = exact(noSlash);
    if (viaExact !== undefined) return viaExact;
    if (path.endsWith('/')) {
      const viaGlob = bestGlob(patterns, noSlash);
      if (viaGlob !== undefined) return viaGlob;
    }
  }
  return bestGlob(patterns, path);
}

/** Merged capabilities of the rule path `pattern`: sorted names, or `['deny']`. */
export function mergedCapabilities(rules: readonly RefRule[], pattern: string | undefined): string[] {
  if (pattern === undefined) return ['deny'];
  const caps = new Set<string>();
  for (const r of rules) if (r.path === pattern) for (const c of r.capabilities) caps.add(c);
  if (caps.has('deny') || caps.size === 0) return ['deny'];
  return [...caps].sort();
}

export function referenceAllowed(
  rules: readonly RefRule[],
  path: string,
  operation: RefOperation,
  rootProtected: boolean,
): boolean {
  const caps = mergedCapabilities(rules, winningRule(rules, path, operation === 'list'));
  if (caps.includes('deny')) return false;
  return caps.includes(operation) && (!rootProtected || caps.includes('sudo'));
}
