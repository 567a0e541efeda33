import { DurationError } from '../config/duration-error.js';
import { parseDuration } from '../config/parse-duration.js';
import {
  decodeHcl,
  HclSyntaxError,
  parseHcl,
  parseJson,
  unfoldItems,
  type HclEntry,
  type HclExpr,
  type HclFile,
  type HclObject,
  type HclPlainValue,
  type SourcePosition,
} from '../hcl/index.js';
import { CAPABILITY_BIT, isCapability, type Capability } from './capability.js';
import { checkPathTemplate } from './path-template.js';
import type { ParameterConstraints, PathRule, Policy } from './policy.js';
import { PolicyError } from './policy-error.js';

/** Legacy `policy = "..."` values and the capabilities they stand for (Vault's mapping). */
const LEGACY_POLICIES: Readonly<Record<string, readonly Capability[]>> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

const CANONICAL_ORDER: readonly Capability[] = [
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'subscribe',
];

/**
 * Parses an ACL policy in Vault's language, HCL1 or JSON (a text starting with `{` is JSON):
 *
 *     path "secret/data/+/config" {
 *       capabilities       = ["create", "read", "update", "patch", "delete", "list", "sudo", "deny", "subscribe"]
 *       allowed_parameters = { "ttl" = [], "type" = ["a*", "b"] }
 *       denied_parameters  = { "*" = [] }
 *       required_parameters = ["name"]
 *       min_wrapping_ttl   = "1m"
 *       max_wrapping_ttl   = 3600
 *     }
 *
 * Also the legacy shorthand `policy = "read" | "write" | "sudo" | "deny"`, `comment`, and the
 * Enterprise-only `mfa_methods` / `control_group` (accepted and ignored, as Vault OSS does).
 * Repeated `capabilities` in one stanza are concatenated, as HCL1 decoding does. Validation
 * follows Vault: capabilities are checked in order and a `deny` ends the stanza (later entries
 * and parameter/wrapping settings are ignored).
 *
 * Throws `PolicyError` (HTTP 400) positioned at the offending key or value.
 */
export function parsePolicy(name: string, text: string): Policy {
  let ast: HclFile;
  const json = text.trimStart().startsWith('{');
  try {
    ast = json ? parseJson(text, name) : parseHcl(text, name);
  } catch (err) {
    if (err instanceof HclSyntaxError) throw new PolicyError(err.position, err.reason, { cause: err });
    throw err;
  }
  const paths: PathRule[] = [];
  for (const entry of unfoldItems(ast.body)) {
    switch (entry.key.name) {
      case 'name':
        break; // Vault decodes it and then ignores it: the name is the one the policy is stored under.
      case 'path':
        for (const block of blocksOf(entry, 'path')) {
          for (const rule of unfoldItems(block)) {
            for (const body of blocksOf(rule, `path "${rule.key.name}"`))
              paths.push(parsePathRule(rule.key.name, rule.key.pos, body));
          }
        }
        break;
      default:
        throw new PolicyError(entry.key.pos, `invalid key "${entry.key.name}" (expected "path")`);
    }
  }
  return { name, raw: text, paths, templated: paths.some((p) => p.templated) };
}

function blocksOf(entry: HclEntry, what: string): HclObject[] {
  const v = entry.value;
  if (v.kind === 'object') return [v];
  if (v.kind === 'list' && v.elements.every((e) => e.kind === 'object')) return v.elements as HclObject[];
  throw new PolicyError(v.pos, `${what} must be a block ({ ... })`);
}

function stringList(entry: HclEntry, where: string): { value: string; pos: SourcePosition }[] {
  const v = entry.value;
  if (v.kind !== 'list')
    throw new PolicyError(v.pos, `${where}: "${entry.key.name}" must be a list of strings`);
  return v.elements.map((el) => {
    if (el.kind !== 'string')
      throw new PolicyError(el.pos, `${where}: "${entry.key.name}" must be a list of strings`);
    return { value: el.value, pos: el.pos };
  });
}

function parsePathRule(rawPath: string, pos: SourcePosition, body: HclObject): PathRule {
  const where = `path ${JSON.stringify(rawPath)}`;
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (path.includes('+*'))
    throw new PolicyError(pos, `${where}: invalid use of wildcards ('+*' is forbidden)`);
  let templated: boolean;
  try {
    templated = checkPathTemplate(path);
  } catch (err) {
    throw new PolicyError(pos, `${where}: failed to validate policy templating: ${(err as Error).message}`);
  }

  let legacy: { value: string; pos: SourcePosition } | undefined;
  const capabilities: { value: string; pos: SourcePosition }[] = [];
  const allowed: HclEntry[] = [];
  const denied: HclEntry[] = [];
  const required: { value: string; pos: SourcePosition }[] = [];
  const subscribeEventTypes: string[] = [];
  let minTtl: HclEntry | undefined;
  let maxTtl: HclEntry | undefined;

  for (const entry of unfoldItems(body)) {
    const v = entry.value;
    switch (entry.key.name) {
      case 'comment':
      case 'mfa_methods':
      case 'control_group':
        break;
      case 'policy':
        if (v.kind !== 'string') throw new PolicyError(v.pos, `${where}: "policy" must be a string`);
        legacy = { value: v.value, pos: v.pos };
        break;
      case 'capabilities':
        capabilities.push(...stringList(entry, where));
        break;
      case 'allowed_parameters':
        allowed.push(entry);
        break;
      case 'denied_parameters':
        denied.push(entry);
        break;
      case 'required_parameters':
        required.push(...stringList(entry, where));
        break;
      case 'subscribe_event_types':
        subscribeEventTypes.push(...stringList(entry, where).map((s) => s.value));
        break;
      case 'min_wrapping_ttl':
        minTtl = entry;
        break;
      case 'max_wrapping_ttl':
        maxTtl = entry;
        break;
      default:
        throw new PolicyError(entry.key.pos, `${where}: invalid key "${entry.key.name}"`);
    }
  }

  const caps: Capability[] = [];
  if (legacy !== undefined) {
    const mapped = LEGACY_POLICIES[legacy.value];
    if (mapped === undefined) throw new PolicyError(legacy.pos, `${where}: invalid policy "${legacy.value}"`);
    caps.push(...mapped);
  }
  let bits = 0;
  const base = { path, requiredParameters: [], subscribeEventTypes, templated, pos } as const;
  for (const cap of [...caps.map((value) => ({ value, pos: legacy?.pos ?? pos })), ...capabilities]) {
    if (cap.value === 'deny') {
      return {
        ...base,
        capabilities: ['deny'],
        allowedParameters: undefined,
        deniedParameters: undefined,
        minWrappingTtl: 0,
        maxWrappingTtl: 0,
      };
    }
    if (!isCapability(cap.value))
      throw new PolicyError(cap.pos, `${where}: invalid capability "${cap.value}"`);
    bits |= CAPABILITY_BIT[cap.value];
  }

  const minWrappingTtl = minTtl === undefined ? 0 : wrappingTtl(minTtl, where);
  const maxWrappingTtl = maxTtl === undefined ? 0 : wrappingTtl(maxTtl, where);
  if (minWrappingTtl !== 0 && maxWrappingTtl !== 0 && maxWrappingTtl < minWrappingTtl) {
    throw new PolicyError(
      maxTtl?.value.pos ?? pos,
      `${where}: max_wrapping_ttl cannot be less than min_wrapping_ttl`,
    );
  }
  for (const r of required) {
    if (r.value.includes('*'))
      throw new PolicyError(
        r.pos,
        `${where}: required_parameters: parameter key "${r.value}": wildcard is not permitted here`,
      );
  }

  return {
    ...base,
    capabilities: CANONICAL_ORDER.filter((c) => (bits & CAPABILITY_BIT[c]) !== 0),
    allowedParameters: parameterMap(allowed, where),
    deniedParameters: parameterMap(denied, where),
    requiredParameters: required.map((r) => r.value),
    minWrappingTtl,
    maxWrappingTtl,
  };
}

function wrappingTtl(entry: HclEntry, where: string): number {
  const v = entry.value;
  if (v.kind !== 'string' && v.kind !== 'number') {
    throw new PolicyError(v.pos, `${where}: error parsing ${entry.key.name}: expected a duration`);
  }
  try {
    return parseDuration(v.value);
  } catch (err) {
    if (err instanceof DurationError)
      throw new PolicyError(v.pos, `${where}: error parsing ${entry.key.name}: ${err.message}`);
    throw err;
  }
}

/**
 * `allowed_parameters` / `denied_parameters`: objects of parameter name to a list of values.
 * Several occurrences merge (values of a repeated name are concatenated). Names are lower-cased.
 */
function parameterMap(entries: readonly HclEntry[], where: string): ParameterConstraints | undefined {
  if (entries.length === 0) return undefined;
  const out = new Map<string, HclPlainValue[]>();
  for (const entry of entries) {
    const what = `${where}: ${entry.key.name}`;
    for (const obj of blocksOf(entry, what)) {
      for (const param of unfoldItems(obj)) {
        const key = param.key.name;
        if (key.includes('*') && key !== '*') {
          throw new PolicyError(
            param.key.pos,
            `${what}: parameter key "${key}" cannot contain non-tail wildcards`,
          );
        }
        const values = parameterValues(param.value, `${what}: "${key}"`);
        const lower = key.toLowerCase();
        out.set(lower, [...(out.get(lower) ?? []), ...values]);
      }
    }
  }
  return out;
}

function parameterValues(value: HclExpr, what: string): HclPlainValue[] {
  if (value.kind !== 'list')
    throw new PolicyError(value.pos, `${what} must be a list of values ([] for any value)`);
  return value.elements.map((el) => decodeHcl(el));
}
