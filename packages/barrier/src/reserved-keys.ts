/**
 * Physical keys the barrier keeps for itself. Logical access to them through the barrier is
 * refused with RESERVED_PATH, and they are hidden from logical listings of `core/`.
 * Other `core/...` keys are ordinary barrier-encrypted storage (the server keeps mounts etc. there).
 */
export const CORE_SEAL_CONFIG = 'core/seal-config';
/** The root key, AEAD-encrypted with the unseal key (term 0). */
export const CORE_ROOT_KEY = 'core/root-key';
/** The keyring JSON, AEAD-encrypted with the root key (term 0). */
export const CORE_KEYRING = 'core/keyring';

export const RESERVED_KEYS: ReadonlySet<string> = new Set([CORE_SEAL_CONFIG, CORE_ROOT_KEY, CORE_KEYRING]);

export function isReservedKey(key: string): boolean {
  return RESERVED_KEYS.has(key);
}
