import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';

/** Vault's limits on KV v2 custom_metadata. */
const MAX_KEYS = 64;
const MAX_KEY_BYTES = 128;
const MAX_VALUE_BYTES = 512;
const PREFIX = 'custom_metadata validation failed';

/**
 * Turns a custom_metadata request object into string values (numbers and bools weakly, as
 * Vault's mapstructure does). With `skipNulls` (PATCH), null members are left out here: they
 * mean "remove" to the merge. Throws 400 for nested values.
 */
export function parseCustomMetadata(
  raw: Readonly<Record<string, unknown>>,
  skipNulls: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null && skipNulls) continue;
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
    else if (typeof value === 'boolean') text = value ? '1' : '0';
    else if (value === null) text = '';
    else
      throw new CofferError(
        ErrorCode.BadRequest,
        `${PREFIX}: value for key ${JSON.stringify(key)} is not a string`,
      );
    Object.defineProperty(out, key, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * At most 64 keys; keys 1..128 bytes, values 1..512 bytes; both printable. Reports every
 * problem at once (400), one per line: the HTTP layer renders each line as one `errors` entry.
 */
export function validateCustomMetadata(meta: Readonly<Record<string, string>>): void {
  const entries = Object.entries(meta);
  if (entries.length > MAX_KEYS) {
    throw new CofferError(
      ErrorCode.BadRequest,
      `${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${entries.length}`,
    );
  }
  const errors: string[] = [];
  for (const [key, value] of entries) {
    const keyLen = Buffer.byteLength(key, 'utf8');
    if (keyLen === 0 || keyLen > MAX_KEY_BYTES) {
      errors.push(
        `${PREFIX}: length of key ${JSON.stringify(key)} is ${keyLen} but must be 0 < len(key) <= ${MAX_KEY_BYTES}`,
      );
    }
    const valueLen = Buffer.byteLength(value, 'utf8');
    if (valueLen === 0 || valueLen > MAX_VALUE_BYTES) {
      errors.push(
        `${PREFIX}: length of value for key ${JSON.stringify(key)} is ${valueLen} but must be 0 < len(value) <= ${MAX_VALUE_BYTES}`,
      );
    }
    if (!isPrintable(key))
      errors.push(`${PREFIX}: key ${JSON.stringify(key)} contains unprintable characters`);
    if (!isPrintable(value))
      errors.push(`${PREFIX}: value for key ${JSON.stringify(key)} contains unprintable characters`);
  }
  if (errors.length > 0) throw new CofferError(ErrorCode.BadRequest, errors.join('\n'));
}

/** Go's unicode.IsPrint for every rune: no control/format/unassigned characters, no spaces but U+0020. */
function isPrintable(text: string): boolean {
  return !/[\p{C}\p{Zl}\p{Zp}]/u.test(text) && !/\p{Zs}/u.test(text.replaceAll(' ', ''));
}
