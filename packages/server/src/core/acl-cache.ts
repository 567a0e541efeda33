import { ACL, parsePolicy, ROOT_POLICY, type Policy } from '../acl/index.js';
import type { PolicyStore } from '../policy/policy-store.js';

/** Most distinct policy sets kept; the cache is cleared wholesale when full. */
const MAX_ENTRIES = 1024;

/**
 * ACLs built from a token's policy names through the policy store, cached per (sorted) policy
 * set. Policy contents are re-read after any policy write or delete (`invalidate`), so a token
 * always gets the current contents of its (fixed) policy names. Unknown names grant nothing.
 */
export class AclCache {
  readonly #store: PolicyStore;
  readonly #acls = new Map<string, Promise<ACL>>();
  readonly #parsed = new Map<string, Policy | null>();
  #generation = 0;

  constructor(store: PolicyStore) {
    this.#store = store;
    store.onChange(() => this.invalidate());
  }

  invalidate(): void {
    this.#generation += 1;
    this.#acls.clear();
    this.#parsed.clear();
  }

  aclFor(policyNames: readonly string[]): Promise<ACL> {
    const names = [...new Set(policyNames.map((p) => p.trim().toLowerCase()))].sort();
    const key = names.join('\n');
    const cached = this.#acls.get(key);
    if (cached !== undefined) return cached;
    if (this.#acls.size >= MAX_ENTRIES) this.#acls.clear();
    const generation = this.#generation;
    const built = this.#build(names);
    this.#acls.set(key, built);
    // A failed build (storage error) must not stick; nor may a build that raced a policy change.
    const forget = (): void => {
      if (this.#acls.get(key) === built) this.#acls.delete(key);
    };
    built.then(() => {
      if (generation !== this.#generation) forget();
    }, forget);
    return built;
  }

  async #build(names: readonly string[]): Promise<ACL> {
    if (names.includes('root')) return new ACL([ROOT_POLICY]);
    const policies: Policy[] = [];
    for (const name of names) {
      const policy = await this.#policy(name);
      if (policy !== undefined) policies.push(policy);
    }
    return new ACL(policies);
  }

  async #policy(name: string): Promise<Policy | undefined> {
    if (this.#parsed.has(name)) return this.#parsed.get(name) ?? undefined;
    const stored = await this.#store.get(name);
    const policy = stored === undefined ? null : parsePolicy(stored.name, stored.raw);
    this.#parsed.set(name, policy);
    return policy ?? undefined;
  }
}
