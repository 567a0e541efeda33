/**
 * The `metadata` of a new secret ID: Vault's `strutil.ParseArbitraryKeyValues(input, ",")`.
 * The input is a string holding either a JSON object of string values, the same base64-encoded,
 * or comma-separated `key=value` pairs (keys and values lower-cased, as Vault's parser does).
 * Throws an Error whose message is Vault's (prefixed by the caller).
 */
export function parseSecretIdMetadata(raw: string): Record<string, string> {
  let input = raw.trim();
  if (input === '') return {};
  // Go's base64.StdEncoding.DecodeString: padded standard alphabet, length a multiple of 4.
  if (input.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/u.test(input)) {
    input = Buffer.from(input, 'base64').toString('utf8');
  }
  const out = parseJsonObject(input) ?? parseKeyValues(input);
  for (const [key, value] of Object.entries(out)) {
    if (key !== '' && value === '') throw new Error(`invalid value for key "${key}"`);
  }
  return out;
}

/** A JSON object whose values are all strings (Go's json.Unmarshal into map[string]string). */
function parseJsonObject(input: string): Record<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    return undefined;
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') return undefined;
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Go's strutil.ParseKeyValues over ParseDedupLowercaseAndSortStrings. */
function parseKeyValues(input: string): Record<string, string> {
  const items = [
    ...new Set(
      input
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter((s) => s !== ''),
    ),
  ].sort();
  const out: Record<string, string> = {};
  for (const item of items) {
    const shards = item.split('=');
    if (shards.length !== 2) throw new Error('failed to parse the input: invalid <key,value> format');
    const key = (shards[0] ?? '').trim();
    const value = (shards[1] ?? '').trim();
    if (key === '' || value === '') throw new Error('failed to parse the input: invalid <key,value> pair');
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
