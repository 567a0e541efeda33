/**
 * Typed errors of the barrier package. Callers branch on `code`, never on `message`;
 * the server maps each code to an HTTP status in one table.
 *
 * Messages never contain key material, unseal shares or plaintext values. They may contain
 * storage paths (paths are not secret: Vault's audit log records them in the clear).
 */

/** Every error code the barrier package raises, stable across releases. */
export const BARRIER_ERROR_CODES = [
  /** A data call (get/put/delete/list) on a sealed or uninitialized barrier. */
  'BARRIER_SEALED',
  /** A lifecycle call that needs an initialized barrier (unseal, resetUnseal, seal). */
  'NOT_INITIALIZED',
  /** `initialize` on a barrier whose backend already holds a seal configuration. */
  'ALREADY_INITIALIZED',
  /** `resetUnseal` on an unsealed barrier (Vault answers `vault is unsealed`). */
  'ALREADY_UNSEALED',
  /** An unseal share that is malformed, or shares that do not combine into the unseal key. */
  'INVALID_UNSEAL_KEY',
  /** Share counts outside Vault's rules, an unknown seal type, or an unreadable stored config. */
  'INVALID_SEAL_CONFIG',
  /** Ciphertext that fails authentication: wrong key, wrong path, tampered, truncated, unknown term. */
  'DECRYPTION_FAILED',
  /** A logical access to a key the barrier keeps for itself (`core/seal-config`, ...). */
  'RESERVED_PATH',
  /** A storage key that is empty or not well-formed Unicode (lone surrogates). */
  'INVALID_KEY',
] as const;

export type BarrierErrorCode = (typeof BARRIER_ERROR_CODES)[number];

export class BarrierError extends Error {
  override readonly name = 'BarrierError';

  constructor(
    readonly code: BarrierErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** True when `err` is a BarrierError, and (if given) carries `code`. */
  static is(err: unknown, code?: BarrierErrorCode): err is BarrierError {
    return err instanceof BarrierError && (code === undefined || err.code === code);
  }
}
