import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { FieldSpecs } from '../../logical/field-spec.js';
import type { LogicalRequest } from '../../logical/logical-request.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { FieldValues } from '../../logical/path-spec.js';
import { tokenAuthResponse, type LoginTokenSpec, type TokenStore } from '../../tokens/index.js';
import { sanitizePolicies } from '../../tokens/sanitize-policies.js';
import { addressAllowed, validateCidrList } from './cidr-list.js';

/**
 * The `token_*` fields that auth-method users and roles carry (Vault's sdk/helper/tokenutil),
 * shared by the userpass and AppRole engines: field specs, parsing with Vault's rules and
 * messages, the read-back shape, and turning them into a login token.
 */

/** `default` means "the mount's default", which is a service token here. Batch tokens are not supported. */
export type LoginTokenType = 'default' | 'service';

/** Durations in whole seconds; 0 = unset. */
export interface TokenParams {
  readonly tokenBoundCidrs: readonly string[];
  readonly tokenExplicitMaxTtl: number;
  readonly tokenMaxTtl: number;
  readonly tokenNoDefaultPolicy: boolean;
  readonly tokenNumUses: number;
  readonly tokenPeriod: number;
  readonly tokenPolicies: readonly string[];
  readonly tokenType: LoginTokenType;
  readonly tokenTtl: number;
}

export const DEFAULT_TOKEN_PARAMS: TokenParams = Object.freeze({
  tokenBoundCidrs: [],
  tokenExplicitMaxTtl: 0,
  tokenMaxTtl: 0,
  tokenNoDefaultPolicy: false,
  tokenNumUses: 0,
  tokenPeriod: 0,
  tokenPolicies: [],
  tokenType: 'default',
  tokenTtl: 0,
});

export const TOKEN_FIELDS: FieldSpecs = {
  token_bound_cidrs: {
    type: 'comma-string-slice',
    description: 'CIDR blocks (or addresses) from which the generated token may be used',
  },
  token_explicit_max_ttl: { type: 'duration', description: 'Hard lifetime limit of generated tokens' },
  token_max_ttl: { type: 'duration', description: 'The maximum lifetime of the generated token' },
  token_no_default_policy: {
    type: 'bool',
    description: "Do not add the 'default' policy to generated tokens",
  },
  token_period: { type: 'duration', description: 'Renewal period of generated (periodic) tokens' },
  token_policies: { type: 'comma-string-slice', description: 'Comma-separated list of policies' },
  token_type: { type: 'string', description: "The type of token to generate: 'service' or 'default'" },
  token_ttl: { type: 'duration', description: 'The initial TTL of the generated token' },
  token_num_uses: { type: 'int', description: 'Maximum uses of the generated token; 0 is unlimited' },
};

/** The coerced fields of a write plus which keys the caller actually sent (Vault's `GetOk`). */
export interface FieldInput {
  readonly fields: FieldValues;
  has(name: string): boolean;
}

export function fieldInput(req: LogicalRequest, fields: FieldValues): FieldInput {
  return {
    fields,
    // Declared by the path (so coerced) and actually sent: undeclared keys never count.
    has: (name) =>
      Object.hasOwn(fields, name) &&
      Object.hasOwn(req.data, name) &&
      req.data[name] !== null &&
      req.data[name] !== undefined,
  };
}

export function bad(message: string): CofferError {
  return new CofferError(ErrorCode.BadRequest, message);
}

export function numberOf(input: FieldInput, name: string): number {
  const v = input.fields[name];
  return typeof v === 'number' ? v : 0;
}

export function boolOf(input: FieldInput, name: string): boolean {
  return input.fields[name] === true;
}

export function stringOf(input: FieldInput, name: string): string {
  const v = input.fields[name];
  return typeof v === 'string' ? v : '';
}

export function listOf(input: FieldInput, name: string): string[] {
  const v = input.fields[name];
  if (!Array.isArray(v)) return [];
  return v
    .filter((x): x is string => typeof x === 'string')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses and validates a CIDR list field; `message` names the failure as the caller words it. */
export function cidrListOf(input: FieldInput, name: string, message: (invalid: string) => string): string[] {
  const { cidrs, invalid } = validateCidrList(listOf(input, name));
  if (invalid !== undefined) throw bad(message(invalid));
  return cidrs;
}

/** Vault's legacy `policies` parsing (policyutil.ParsePolicies): trimmed, lower-cased, sorted, unique. */
export function parseLegacyPolicies(input: FieldInput, name: string): string[] {
  return sanitizePolicies(listOf(input, name), false);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Vault's `TokenParams.ParseTokenFields`: applies every `token_*` key the caller sent onto
 * `current`, validating as Vault does. Throws CofferError(BadRequest).
 */
export function parseTokenFields(current: TokenParams, input: FieldInput): TokenParams {
  const t: Mutable<TokenParams> = { ...current };
  if (input.has('token_bound_cidrs')) {
    t.tokenBoundCidrs = cidrListOf(
      input,
      'token_bound_cidrs',
      (x) => `error parsing token_bound_cidrs: invalid address or CIDR "${x}"`,
    );
  }
  if (input.has('token_explicit_max_ttl')) t.tokenExplicitMaxTtl = numberOf(input, 'token_explicit_max_ttl');
  if (input.has('token_max_ttl')) t.tokenMaxTtl = numberOf(input, 'token_max_ttl');
  if (input.has('token_no_default_policy')) t.tokenNoDefaultPolicy = boolOf(input, 'token_no_default_policy');
  if (input.has('token_period')) t.tokenPeriod = numberOf(input, 'token_period');
  if (input.has('token_policies')) t.tokenPolicies = listOf(input, 'token_policies');
  if (input.has('token_type')) t.tokenType = parseTokenType(stringOf(input, 'token_type'));
  if (input.has('token_num_uses')) t.tokenNumUses = numberOf(input, 'token_num_uses');
  if (t.tokenNumUses < 0) throw bad("'token_num_uses' cannot be negative");
  if (input.has('token_ttl')) t.tokenTtl = numberOf(input, 'token_ttl');
  checkTtlOrder(t);
  return t;
}

/** `'token_ttl' cannot be greater than 'token_max_ttl'` when both are set and out of order. */
export function checkTtlOrder(t: TokenParams): void {
  if (t.tokenTtl > 0 && t.tokenMaxTtl > 0 && t.tokenTtl > t.tokenMaxTtl) {
    throw bad("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
}

function parseTokenType(text: string): LoginTokenType {
  switch (text) {
    case '':
    case 'default':
      return 'default';
    case 'service':
      return 'service';
    case 'batch':
    case 'default-batch':
      throw bad('batch tokens are not supported by this server');
    default:
      throw bad(`invalid 'token_type' value "${text}"`);
  }
}

/**
 * Vault's `tokenutil.UpgradeValue` for a deprecated field and its `token_*` successor:
 * - only the new key sent: the legacy value is cleared (it stays only if both were sent);
 * - only the old key sent: both take its value;
 * - neither: unchanged.
 * `next` must already carry the parsed new value.
 */
export function upgradeLegacy<T>(
  input: FieldInput,
  oldKey: string,
  newKey: string,
  legacy: T,
  next: T,
  zero: T,
  parseOld: () => T,
): { readonly legacy: T; readonly next: T } {
  if (input.has(newKey)) return { legacy: input.has(oldKey) ? next : zero, next };
  if (input.has(oldKey)) {
    const value = parseOld();
    return { legacy: value, next: value };
  }
  return { legacy, next };
}

/** Vault's `PopulateTokenData`: the `token_*` keys of a read (empty lists as `[]`). */
export function tokenParamsData(t: TokenParams): Record<string, unknown> {
  return {
    token_bound_cidrs: [...t.tokenBoundCidrs],
    token_explicit_max_ttl: t.tokenExplicitMaxTtl,
    token_max_ttl: t.tokenMaxTtl,
    token_no_default_policy: t.tokenNoDefaultPolicy,
    token_num_uses: t.tokenNumUses,
    token_period: t.tokenPeriod,
    token_policies: [...t.tokenPolicies],
    token_ttl: t.tokenTtl,
    token_type: t.tokenType,
  };
}

/**
 * Vault core's display name for a login token: the mount path without `auth/`, slashes as
 * dashes, then the method's name; one trailing dash dropped (`userpass-bob`, `approle`).
 */
export function loginDisplayName(mountPoint: string, name: string): string {
  const source = (mountPoint.startsWith('auth/') ? mountPoint.slice('auth/'.length) : mountPoint).replaceAll(
    '/',
    '-',
  );
  const full = source + name;
  return full.endsWith('-') ? full.slice(0, -1) : full;
}

/**
 * The login request may only come from `token_bound_cidrs` (Vault's userpass checks this at
 * login; the token store cannot bind tokens to CIDRs yet, so both engines enforce it here).
 * Throws 403 `permission denied`.
 */
export function checkTokenBoundCidrs(t: TokenParams, clientAddress: string): void {
  if (!addressAllowed(clientAddress, t.tokenBoundCidrs)) {
    throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
  }
}

/** Mints the login token (an orphan) and builds the response with Vault's `auth` block. */
export async function issueLoginToken(
  tokens: TokenStore,
  t: TokenParams,
  login: {
    readonly path: string;
    readonly displayName: string;
    readonly meta: Readonly<Record<string, string>>;
  },
): Promise<LogicalResponse> {
  const spec: LoginTokenSpec = {
    policies: t.tokenPolicies,
    path: login.path,
    displayName: login.displayName,
    meta: login.meta,
    ttl: t.tokenTtl,
    maxTtl: t.tokenMaxTtl,
    explicitMaxTtl: t.tokenExplicitMaxTtl,
    period: t.tokenPeriod,
    numUses: t.tokenNumUses,
    noDefaultPolicy: t.tokenNoDefaultPolicy,
    renewable: true,
  };
  const issued = await tokens.issue(spec);
  const auth = tokenAuthResponse(issued.clientToken, issued.entry);
  return issued.warnings.length > 0 ? { auth, warnings: [...issued.warnings] } : { auth };
}

/** Reads stored token params defensively (older records may lack newer keys). */
export function decodeTokenParams(raw: Partial<TokenParams> | undefined): TokenParams {
  return { ...DEFAULT_TOKEN_PARAMS, ...(raw ?? {}) };
}
