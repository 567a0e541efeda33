import type { StorageView } from '@coffer/barrier';

/**
 * JSON values through a storage view (UTF-8 JSON text as the stored bytes).
 * `getJson` trusts the stored shape: use it only for records this code wrote, and give the
 * type parameter the shape you put.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The parsed value at `key`, or undefined when the key is absent. */
export async function getJson<T>(storage: StorageView, key: string): Promise<T | undefined> {
  const bytes = await storage.get(key);
  if (bytes === undefined) return undefined;
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** Stores `value` as JSON at `key`. */
export async function putJson(storage: StorageView, key: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value is not JSON-serialisable');
  await storage.put(key, encoder.encode(text));
}
