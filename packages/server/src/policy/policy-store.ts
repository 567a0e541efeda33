import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../errors/coffer-error.js';
import { RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY_TEXT } from '../acl/builtin-policies.js';
import { ErrorCode } from '../errors/error-code.js';

/** A stored ACL policy: its (normalised) name and raw HCL/JSON text. */
export interface StoredPolicy {
  readonly name: string;
  readonly raw: string;
}

/** Names that cannot be written through the API. */
const IMMUTABLE = new Set(['root', 'response-wrapping', 'control-group']);
/** Internal policies hidden from listings. */
const HIDDEN = new Set(['response-wrapping', 'control-group']);

/** Vault's name normalisation: trimmed and lower-cased. */
export function normalizePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * ACL policies persisted through the barrier (the `sys/policy/` view), one JSON record per
 * name. `root` is built in (never stored, cannot be written or deleted); `default` is created
 * at init and cannot be deleted (it can be edited). Every write is validated by `validate`
 * (the ACL parser) before it is stored. `onChange` fires after any write or delete so the
 * caller can drop cached ACLs.
 */
export class PolicyStore {
  readonly #storage: StorageView;
  readonly #validate: (name: string, raw: string) => void;
  readonly #cache = new Map<string, StoredPolicy | null>();
  readonly #listeners: (() => void)[] = [];

  constructor(storage: StorageView, validate: (name: string, raw: string) => void) {
    this.#storage = storage;
    this.#validate = validate;
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** The policy, or undefined. `root` reads as an empty policy, as in Vault. */
  async get(name: string): Promise<StoredPolicy | undefined> {
    const n = normalizePolicyName(name);
    if (n === 'root') return { name: 'root', raw: '' };
    // Built in and immutable (Vault loads it at every unseal): never read from storage.
    if (n === RESPONSE_WRAPPING_POLICY_NAME) return { name: n, raw: RESPONSE_WRAPPING_POLICY_TEXT };
    if (n === '' || n.includes('/')) return undefined;
    const cached = this.#cache.get(n);
    if (cached !== undefined) return cached ?? undefined;
    const raw = await this.#storage.get(n);
    let policy: StoredPolicy | null = null;
    if (raw !== undefined) {
      const json = JSON.parse(new TextDecoder().decode(raw)) as { name?: unknown; raw?: unknown };
      policy = { name: n, raw: typeof json.raw === 'string' ? json.raw : '' };
    }
    this.#cache.set(n, policy);
    return policy ?? undefined;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  /** Validates and stores a policy; the name is normalised. */
  async set(name: string, raw: string): Promise<void> {
    const n = normalizePolicyName(name);
    if (n === '') throw new CofferError(ErrorCode.BadRequest, 'policy name must be provided');
    if (IMMUTABLE.has(n)) throw new CofferError(ErrorCode.BadRequest, `cannot update "${n}" policy`);
    if (n.includes('/')) throw new CofferError(ErrorCode.BadRequest, 'policy names cannot contain "/"');
    this.#validate(n, raw);
    await this.#storage.put(n, new TextEncoder().encode(JSON.stringify({ name: n, raw })));
    this.#cache.set(n, { name: n, raw });
    this.#changed();
  }

  /** Deletes a policy; deleting a missing one succeeds. */
  async delete(name: string): Promise<void> {
    const n = normalizePolicyName(name);
    if (n === 'root' || n === 'default' || HIDDEN.has(n)) {
      throw new CofferError(ErrorCode.BadRequest, `cannot delete "${n}" policy`);
    }
    if (n === '' || n.includes('/')) return;
    await this.#storage.delete(n);
    this.#cache.set(n, null);
    this.#changed();
  }

  /** Stored policy names plus `root`, sorted; internal policies hidden. */
  async list(): Promise<string[]> {
    const names = (await this.#storage.list('')).filter((k) => !k.endsWith('/') && !HIDDEN.has(k));
    return [...new Set([...names, 'root'])].sort();
  }

  /** Writes a policy bypassing the immutability rules (init: `default`, internal policies). */
  async setInternal(name: string, raw: string): Promise<void> {
    const n = normalizePolicyName(name);
    this.#validate(n, raw);
    await this.#storage.put(n, new TextEncoder().encode(JSON.stringify({ name: n, raw })));
    this.#cache.set(n, { name: n, raw });
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
