import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { HclPlainValue } from '../hcl/hcl-plain-value.js';
import type { Operation } from '../logical/operation.js';
import { ROOT_POLICY_NAME } from './builtin-policies.js';
import { CAPABILITY_BIT, capabilityNames, type Capability } from './capability.js';
import { valueAllowed, valueDenied } from './parameter-match.js';
import { renderPathTemplate, type AclEntity } from './path-template.js';
import type { PathRule, Policy } from './policy.js';

export interface AclOptions {
  /** The requesting identity, for templated paths; without it templated paths grant nothing. */
  readonly entity?: AclEntity;
}

export interface AclRequest {
  readonly operation: Operation;
  /** The request path after `/v1/` (a leading `/` is ignored). LIST paths end in `/`. */
  readonly path: string;
  /** Request parameters, checked against allowed/denied/required parameters on create, read, update and patch. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The path needs `sudo` (Vault's root-protected paths). */
  readonly rootProtected?: boolean;
  /** The requested response-wrapping TTL in seconds, when the request asks to be wrapped. */
  readonly wrapTtl?: number;
}

export interface AclResult {
  readonly allowed: boolean;
  /** The ACL holds the root policy. */
  readonly isRoot: boolean;
  /** The matched rule grants `sudo` (or the ACL is root). */
  readonly rootPrivs: boolean;
  /** Capabilities of the matched rule, sorted; `['deny']` when nothing matched or the rule denies; `['root']` for root. */
  readonly capabilities: readonly string[];
  /** Names of the policies that grant the operation's capability (empty when not allowed by capability). */
  readonly grantingPolicies: readonly string[];
  /** The policy path that decided (`secret/*`, `secret/+/x`), undefined when nothing matched or root. */
  readonly matchedPath: string | undefined;
}

interface Permissions {
  readonly rule: string;
  bits: number;
  minWrappingTtl: number;
  maxWrappingTtl: number;
  allowed: Map<string, readonly HclPlainValue[]> | undefined;
  denied: Map<string, readonly HclPlainValue[]> | undefined;
  required: string[];
  subscribeEventTypes: string[];
  readonly granting: Map<number, string[]>;
}

interface Candidate {
  readonly firstWildcard: number;
  readonly isPrefix: boolean;
  readonly wildcards: number;
  readonly wcPath: string;
  readonly perms: Permissions;
}

const OPERATION_BIT: Readonly<Record<Operation, number>> = {
  create: CAPABILITY_BIT.create,
  read: CAPABILITY_BIT.read,
  update: CAPABILITY_BIT.update,
  patch: CAPABILITY_BIT.patch,
  delete: CAPABILITY_BIT.delete,
  list: CAPABILITY_BIT.list,
};

const DATA_OPERATIONS: ReadonlySet<Operation> = new Set(['create', 'read', 'update', 'patch']);

/** Whether a policy path uses `+` segment wildcards (Vault: exactly `+`, or containing `/+`, or starting `+/`). */
export function hasSegmentWildcards(path: string): boolean {
  return path === '+' || path.includes('/+') || path.startsWith('+/');
}

/**
 * The access-control list of a token: its policies merged the way Vault merges them
 * (vault/acl.go), answering whether a request is allowed.
 *
 * Matching: an exact rule for the path wins outright. Otherwise, among the longest matching
 * `*`-suffix (prefix) rule and every matching `+` rule, the highest-priority one applies alone:
 * (1) the later the first `+`/`*`, the higher; (2) not ending in `*` beats ending in `*`;
 * (3) fewer `+` segments; (4) longer; (5) lexicographically greater. For LIST, `foo/` also
 * matches an exact rule `foo`, and rules are tried against `foo` before `foo/`.
 *
 * Merging: rules for the same path string (from any policies) combine: capabilities are
 * unioned, a `deny` anywhere makes the path deny-only; allowed/denied parameter maps are merged
 * (values appended; `[]` wins); required parameters unioned; wrapping TTLs take the lower value.
 */
export class ACL {
  readonly isRoot: boolean;
  private readonly exact = new Map<string, Permissions>();
  private readonly prefix = new Map<string, Permissions>();
  private readonly segment = new Map<string, Permissions>();

  constructor(policies: readonly Policy[], options: AclOptions = {}) {
    this.isRoot = policies.some((p) => p.name === ROOT_POLICY_NAME);
    if (this.isRoot && policies.length !== 1) {
      throw new CofferError(ErrorCode.Internal, 'other policies present along with root');
    }
    for (const policy of policies) {
      for (const rule of policy.paths) {
        const path = rule.templated ? renderPathTemplate(rule.path, options.entity) : rule.path;
        if (path === undefined) continue;
        this.insert(policy.name, path, rule);
      }
    }
  }

  private insert(policyName: string, path: string, rule: PathRule): void {
    let table: Map<string, Permissions>;
    let key = path;
    if (hasSegmentWildcards(path)) {
      table = this.segment;
    } else if (path.endsWith('*')) {
      table = this.prefix;
      key = path.slice(0, -1);
    } else {
      table = this.exact;
    }
    const bits = rule.capabilities.reduce((b, c: Capability) => b | CAPABILITY_BIT[c], 0);
    const existing = table.get(key);
    if (existing === undefined) {
      const perms: Permissions = {
        rule: path,
        bits,
        minWrappingTtl: rule.minWrappingTtl,
        maxWrappingTtl: rule.maxWrappingTtl,
        allowed: rule.allowedParameters === undefined ? undefined : new Map(rule.allowedParameters),
        denied: rule.deniedParameters === undefined ? undefined : new Map(rule.deniedParameters),
        required: [...rule.requiredParameters],
        subscribeEventTypes: [...rule.subscribeEventTypes],
        granting: new Map(),
      };
      addGranting(perms, policyName, bits);
      table.set(key, perms);
      return;
    }
    if ((existing.bits & CAPABILITY_BIT.deny) !== 0) return;
    if ((bits & CAPABILITY_BIT.deny) !== 0) {
      existing.bits = CAPABILITY_BIT.deny;
      existing.allowed = undefined;
      existing.denied = undefined;
      return;
    }
    existing.bits |= bits;
    addGranting(existing, policyName, bits);
    if (
      rule.maxWrappingTtl > 0 &&
      (existing.maxWrappingTtl === 0 || rule.maxWrappingTtl < existing.maxWrappingTtl)
    ) {
      existing.maxWrappingTtl = rule.maxWrappingTtl;
    }
    if (
      rule.minWrappingTtl > 0 &&
      (existing.minWrappingTtl === 0 || rule.minWrappingTtl < existing.minWrappingTtl)
    ) {
      existing.minWrappingTtl = rule.minWrappingTtl;
    }
    existing.allowed = mergeParameters(existing.allowed, rule.allowedParameters);
    existing.denied = mergeParameters(existing.denied, rule.deniedParameters);
    for (const r of rule.requiredParameters) if (!existing.required.includes(r)) existing.required.push(r);
    // Vault only extends an already non-empty list here.
    if (rule.subscribeEventTypes.length > 0 && existing.subscribeEventTypes.length > 0) {
      existing.subscribeEventTypes = [
        ...new Set([...existing.subscribeEventTypes, ...rule.subscribeEventTypes]),
      ];
    }
  }

  /** Whether `request` is allowed, and what the matching rule grants. */
  check(request: AclRequest): AclResult {
    if (this.isRoot) {
      return {
        allowed: true,
        isRoot: true,
        rootPrivs: true,
        capabilities: ['root'],
        grantingPolicies: [ROOT_POLICY_NAME],
        matchedPath: undefined,
      };
    }
    const perms = this.lookup(request.path, request.operation === 'list');
    if (perms === undefined) {
      return {
        allowed: false,
        isRoot: false,
        rootPrivs: false,
        capabilities: ['deny'],
        grantingPolicies: [],
        matchedPath: undefined,
      };
    }
    const rootPrivs = (perms.bits & CAPABILITY_BIT.sudo) !== 0;
    const bit = OPERATION_BIT[request.operation];
    const capabilities = namesOf(perms.bits);
    const denied: AclResult = {
      allowed: false,
      isRoot: false,
      rootPrivs,
      capabilities,
      grantingPolicies: [],
      matchedPath: perms.rule,
    };
    if ((perms.bits & bit) === 0 || (perms.bits & CAPABILITY_BIT.deny) !== 0) return denied;
    const granted: AclResult = { ...denied, grantingPolicies: perms.granting.get(bit) ?? [] };
    if (!wrappingAllowed(perms, request.wrapTtl)) return granted;
    if (DATA_OPERATIONS.has(request.operation) && !parametersAllowed(perms, request.data ?? {}))
      return granted;
    if (request.rootProtected === true && !rootPrivs) return granted;
    return { ...granted, allowed: true };
  }

  /**
   * The capabilities on `path` for `sys/capabilities`: sorted names, `['root']` for root,
   * `['deny']` when nothing is granted. Matches with LIST semantics, as Vault does.
   */
  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    const perms = this.lookup(path, true);
    return perms === undefined ? ['deny'] : namesOf(perms.bits);
  }

  /**
   * Whether the token may learn about the mount at `mountPath` (with trailing `/`), as Vault's
   * `sys/internal/ui/mounts` decides: some capability on the mount path itself, or any non-deny
   * rule under it. (Unlike Vault, a deny-only `*` rule does not count as access.)
   */
  hasMountAccess(mountPath: string): boolean {
    if (!this.capabilities(mountPath).includes('deny')) return true;
    const grants = (p: Permissions): boolean =>
      (p.bits & CAPABILITY_BIT.deny) === 0 && (p.bits & ~CAPABILITY_BIT.subscribe) !== 0;
    for (const table of [this.exact, this.prefix]) {
      for (const [key, perms] of table) if (key.startsWith(mountPath) && grants(perms)) return true;
    }
    const longest = this.longestPrefix(mountPath);
    if (longest !== undefined && grants(longest[1])) return true;
    const parts = mountPath.split('/');
    for (const [full, perms] of this.segment) {
      if (full === '' || !grants(perms)) continue;
      const isPrefix = full.endsWith('*');
      const aclParts = (isPrefix ? full.slice(0, -1) : full).split('/');
      const segments: string[] = [];
      for (let i = 0; i < aclParts.length && i <= parts.length - 2; i++) {
        const aclPart = aclParts[i] ?? '';
        const part = parts[i] ?? '';
        if (aclPart === '+' || aclPart === part) segments.push(part);
        else if (isPrefix && i === aclParts.length - 1 && part.startsWith(aclPart))
          segments.push(...parts.slice(i));
        if (i === parts.length - 2) {
          if ((segments.join('/') + '/').startsWith(mountPath)) return true;
          break;
        }
      }
    }
    return false;
  }

  private lookup(rawPath: string, list: boolean): Permissions | undefined {
    const path = rawPath.replace(/^\/+/, '');
    const exact = this.exact.get(path);
    if (exact !== undefined) return exact;
    const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
    if (list) {
      const exactTrimmed = this.exact.get(trimmed);
      if (exactTrimmed !== undefined) return exactTrimmed;
      if (path.endsWith('/')) {
        const p = this.nonExact(trimmed);
        if (p !== undefined) return p;
      }
    }
    return this.nonExact(path);
  }

  private longestPrefix(path: string): [string, Permissions] | undefined {
    let best: [string, Permissions] | undefined;
    for (const entry of this.prefix) {
      if (path.startsWith(entry[0]) && (best === undefined || entry[0].length > best[0].length)) best = entry;
    }
    return best;
  }

  private nonExact(path: string): Permissions | undefined {
    const candidates: Candidate[] = [];
    const longest = this.longestPrefix(path);
    if (longest !== undefined) {
      if (this.segment.size === 0) return longest[1];
      candidates.push({
        firstWildcard: longest[0].length,
        isPrefix: true,
        wildcards: 0,
        wcPath: longest[0],
        perms: longest[1],
      });
    }
    if (this.segment.size === 0) return undefined;
    const parts = path.split('/');
    for (const [full, perms] of this.segment) {
      if (full === '') continue;
      const isPrefix = full.endsWith('*');
      const wcPath = isPrefix ? full.slice(0, -1) : full;
      const aclParts = wcPath.split('/');
      if (parts.length < aclParts.length) continue;
      if (!isPrefix && aclParts.length !== parts.length) continue;
      let wildcards = 0;
      let matches = true;
      for (let i = 0; i < aclParts.length; i++) {
        const aclPart = aclParts[i] ?? '';
        const part = parts[i] ?? '';
        if (aclPart === '+') wildcards++;
        else if (aclPart === part) continue;
        else if (isPrefix && i === aclParts.length - 1 && part.startsWith(aclPart)) continue;
        else {
          matches = false;
          break;
        }
      }
      if (matches) candidates.push({ firstWildcard: full.indexOf('+'), isPrefix, wildcards, wcPath, perms });
    }
    let best: Candidate | undefined;
    for (const c of candidates) if (best === undefined || comparePriority(c, best) > 0) best = c;
    return best?.perms;
  }
}

/** Vault's priority between matching wildcard rules: positive when `a` wins over `b`. */
export function comparePriority(
  a: {
    readonly firstWildcard: number;
    readonly isPrefix: boolean;
    readonly wildcards: number;
    readonly wcPath: string;
  },
  b: {
    readonly firstWildcard: number;
    readonly isPrefix: boolean;
    readonly wildcards: number;
    readonly wcPath: string;
  },
): number {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard - b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.wcPath.length !== b.wcPath.length) return a.wcPath.length - b.wcPath.length;
  return a.wcPath < b.wcPath ? -1 : a.wcPath > b.wcPath ? 1 : 0;
}

function namesOf(bits: number): string[] {
  if ((bits & CAPABILITY_BIT.deny) !== 0) return ['deny'];
  const names = capabilityNames(bits);
  return names.length === 0 ? ['deny'] : names;
}

function addGranting(perms: Permissions, policyName: string, bits: number): void {
  for (const bit of Object.values(CAPABILITY_BIT)) {
    if ((bits & bit) === 0) continue;
    const list = perms.granting.get(bit) ?? [];
    if (!list.includes(policyName)) list.push(policyName);
    perms.granting.set(bit, list);
  }
}

function mergeParameters(
  existing: Map<string, readonly HclPlainValue[]> | undefined,
  incoming: ReadonlyMap<string, readonly HclPlainValue[]> | undefined,
): Map<string, readonly HclPlainValue[]> | undefined {
  if (incoming === undefined || incoming.size === 0) return existing;
  if (existing === undefined) return new Map(incoming);
  for (const [key, values] of incoming) {
    const current = existing.get(key);
    if (values.length === 0 || (current !== undefined && current.length === 0)) existing.set(key, []);
    else existing.set(key, [...values, ...(current ?? [])]);
  }
  return existing;
}

function wrappingAllowed(perms: Permissions, wrapTtl: number | undefined): boolean {
  if (perms.maxWrappingTtl > 0 && (wrapTtl === undefined || wrapTtl > perms.maxWrappingTtl)) return false;
  if (perms.minWrappingTtl > 0 && (wrapTtl === undefined || wrapTtl < perms.minWrappingTtl)) return false;
  if (perms.minWrappingTtl !== 0 && perms.maxWrappingTtl !== 0 && perms.maxWrappingTtl < perms.minWrappingTtl)
    return false;
  return true;
}

function parametersAllowed(perms: Permissions, data: Readonly<Record<string, unknown>>): boolean {
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(data, key);
  for (const p of perms.required) if (!has(p.toLowerCase())) return false;
  const keys = Object.keys(data);
  if (keys.length === 0) return true;
  if (perms.denied !== undefined && perms.denied.size > 0) {
    if (perms.denied.has('*')) return false;
    for (const key of keys) {
      const list = perms.denied.get(key.toLowerCase());
      if (list !== undefined && valueDenied(data[key], list)) return false;
    }
  }
  if (perms.allowed === undefined || perms.allowed.size === 0) return true;
  const allowAll = perms.allowed.has('*');
  if (perms.allowed.size === 1 && allowAll) return true;
  for (const key of keys) {
    const list = perms.allowed.get(key.toLowerCase());
    if (list === undefined) {
      if (!allowAll) return false;
    } else if (!valueAllowed(data[key], list)) {
      return false;
    }
  }
  return true;
}
