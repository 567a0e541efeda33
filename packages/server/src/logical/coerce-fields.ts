import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { FieldSpec, FieldSpecs, FieldType } from './field-spec.js';
import { parseGoDuration } from './go-duration.js';

/**
 * Field coercion with the rules of Vault's framework (`FieldData.getPrimitive`, which uses
 * mapstructure's weak decoding):
 *
 * | type | accepts |
 * |---|---|
 * | string | string; number → its decimal text; bool → "1"/"0" |
 * | int | integral number; numeric string (Go `ParseInt` base 0: `12`, `0x1f`, `0o17`, `017`, `0b101`); "" → 0; bool → 1/0 |
 * | bool | bool; number (≠ 0 → true); string `1 t T TRUE true True 0 f F FALSE false False`; "" → false |
 * | duration | integral number of seconds; numeric string (seconds); `"<n>d"` (days); Go duration (`"1h30m"`); "" → 0. Result: whole seconds. Negative → error unless the spec is `signed` |
 * | map | object; empty array → {} |
 * | string-map | object whose values are scalars (→ strings); or array of `"k=v"` strings |
 * | slice | array; any other single value → one-element array |
 * | string-slice | array (elements weakly → strings, trimmed); "" → []; single scalar → one-element array |
 * | comma-string-slice | string split on `,` (elements trimmed); "" → []; number → its text; array as string-slice |
 *
 * JSON `null` counts as absent (the default, if declared, applies). Error messages name the
 * field but never echo the value (it may be a secret).
 */

/** Why a value could not be converted; the caller prefixes the field name. */
class ConversionError extends Error {}

/** `error converting input for field "<name>": <reason>` — Vault's wording, minus the value. */
export function fieldErrorMessage(name: string, reason: string): string {
  return `Field validation failed: error converting input for field "${name}": ${reason}`;
}

/**
 * Coerces `raw[name]` for every field in `specs` that is present (or has a default).
 * Returns only those fields; keys of `raw` that are not in `specs` are not copied.
 * Throws `CofferError(BadRequest)` naming the first bad field, or the first missing required field.
 */
export function coerceFields(
  specs: FieldSpecs,
  raw: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(specs).sort()) {
    const spec = specs[name] as FieldSpec;
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined || value === null) {
      if (spec.required === true) {
        throw new CofferError(
          ErrorCode.BadRequest,
          `Field validation failed: missing required field "${name}"`,
        );
      }
      if (spec.default !== undefined) out[name] = structuredClone(spec.default);
      continue;
    }
    try {
      out[name] = coerceValue(spec.type, value, spec.signed === true);
    } catch (err) {
      if (err instanceof ConversionError) {
        throw new CofferError(ErrorCode.BadRequest, fieldErrorMessage(name, err.message));
      }
      throw err;
    }
  }
  return out;
}

/** The value a field of this type has when absent and without a default (Vault's `DefaultOrZero`). */
export function zeroValue(type: FieldType): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'int':
    case 'duration':
      return 0;
    case 'bool':
      return false;
    case 'map':
    case 'string-map':
      return {};
    case 'slice':
    case 'string-slice':
    case 'comma-string-slice':
      return [];
  }
}

/** Converts one non-null value to the field type; throws a ConversionError (not a CofferError). */
export function coerceValue(type: FieldType, value: unknown, signed = false): unknown {
  switch (type) {
    case 'string':
      return toWeakString(value);
    case 'int':
      return toInt(value);
    case 'bool':
      return toBool(value);
    case 'duration':
      return toDurationSeconds(value, signed);
    case 'map':
      return toMap(value);
    case 'string-map':
      return toStringMap(value);
    case 'slice':
      return Array.isArray(value) ? [...(value as unknown[])] : [value];
    case 'string-slice':
      return toStringSlice(value);
    case 'comma-string-slice':
      return toCommaStringSlice(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function toWeakString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ConversionError('expected a string');
    return String(value);
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value === null || value === undefined) return '';
  throw new ConversionError('expected a string');
}

const GO_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False', '']);

function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    if (GO_BOOL_TRUE.has(value)) return true;
    if (GO_BOOL_FALSE.has(value)) return false;
  }
  throw new ConversionError('expected a boolean');
}

/** Go's `strconv.ParseInt(s, 0, 64)`: optional sign, base prefix, underscores only with a prefix. */
function parseGoInt(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9]*)$/u.exec(text);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  let body = m[2] ?? '';
  if (body.includes('_')) {
    // Underscores must separate digits and only appear with a base prefix (Go's underscoreOK).
    if (!/^0[xXoObB]?(_?[0-9a-fA-F]+)+$/u.test(body)) return undefined;
    body = body.replaceAll('_', '');
  }
  let n: bigint;
  if (/^0[oO]/u.test(body)) n = BigInt(`0o${body.slice(2)}`);
  else if (/^0[0-7]+$/u.test(body)) n = BigInt(`0o${body.slice(1)}`);
  else n = BigInt(body);
  const result = sign * n;
  if (result > BigInt(Number.MAX_SAFE_INTEGER) || result < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
  return Number(result);
}

function toInt(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    throw new ConversionError('expected an integer');
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    if (value === '') return 0;
    const n = parseGoInt(value);
    if (n !== undefined) return n;
  }
  throw new ConversionError('expected an integer');
}

/** Vault's `parseutil.ParseDurationSecond`, truncated to whole seconds; negatives rejected. */
function toDurationSeconds(value: unknown, signed: boolean): number {
  let seconds: number | undefined;
  if (typeof value === 'number') {
    seconds = Number.isSafeInteger(value) ? value : undefined;
  } else if (typeof value === 'string') {
    if (value === '') seconds = 0;
    else if (/^[+-]?\d+$/u.test(value)) seconds = Number(value);
    else if (/^[+-]?\d+d$/u.test(value)) seconds = Number(value.slice(0, -1)) * 86400;
    else seconds = parseGoDuration(value);
  }
  if (seconds === undefined || !Number.isFinite(seconds)) {
    throw new ConversionError('expected a duration (seconds or a Go duration string such as "1h30m")');
  }
  const whole = Math.trunc(seconds);
  if (whole < 0 && !signed) throw new ConversionError('cannot provide negative value');
  return whole === 0 ? 0 : whole; // no -0
}

function toMap(value: unknown): Record<string, unknown> {
  if (isPlainObject(value)) return { ...value };
  if (Array.isArray(value) && value.length === 0) return {};
  throw new ConversionError('expected a map');
}

function toStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (isPlainObject(v) || Array.isArray(v)) throw new ConversionError('expected a map of strings');
      defineOwn(out, k, toWeakString(v));
    }
    return out;
  }
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (typeof item !== 'string')
        throw new ConversionError('expected a map or a list of "key=value" strings');
      const eq = item.indexOf('=');
      if (eq <= 0) throw new ConversionError('invalid key pair: expected "key=value"');
      defineOwn(out, item.slice(0, eq), item.slice(eq + 1));
    }
    return out;
  }
  throw new ConversionError('expected a map of strings');
}

/** Defines an own property (plain assignment of `__proto__` would change the prototype instead). */
function defineOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function toStringSlice(value: unknown): string[] {
  if (value === '') return [];
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.map((item) => {
    if (isPlainObject(item) || Array.isArray(item)) throw new ConversionError('expected a list of strings');
    return toWeakString(item).trim();
  });
}

function toCommaStringSlice(value: unknown): string[] {
  if (typeof value === 'number') return toStringSlice(String(value));
  if (typeof value === 'string') {
    if (value === '') return [];
    return value.split(',').map((s) => s.trim());
  }
  if (Array.isArray(value)) return toStringSlice(value);
  if (typeof value === 'boolean') return [toWeakString(value)];
  throw new ConversionError('expected a comma-separated string or a list of strings');
}
