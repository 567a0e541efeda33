import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AEAD_KEY_BYTES, aeadDecrypt, aeadEncrypt } from './aead.js';
import { assertValidKey } from './backend-key.js';
import { BarrierError } from './barrier-error.js';
import type { BarrierState, SealStatus } from './barrier-state.js';
import { Keyring, type KeyStatus } from './keyring.js';
import type { PhysicalBackend, TxnOp } from './physical-backend.js';
import { PrefixedView } from './prefixed-view.js';
import { CORE_KEYRING, CORE_ROOT_KEY, CORE_SEAL_CONFIG, isReservedKey } from './reserved-keys.js';
import type { Seal } from './seal.js';
import { decodeSealConfig, encodeSealConfig, type SealConfig } from './seal-config.js';
import { SealAccess } from './seal-access.js';
import { SerialQueue } from './serial-queue.js';
import { ShamirSeal } from './shamir-seal.js';
import type { StorageView } from './storage.js';

export interface BarrierOptions {
  /** The seal protecting the unseal key (default: a ShamirSeal). */
  readonly seal?: Seal;
  /** Clock for key install times (default: `new Date()`). */
  readonly now?: () => Date;
}

export interface InitializeOptions {
  readonly secretShares: number;
  readonly secretThreshold: number;
}

export interface InitializeResult {
  /** The unseal shares; shown once, never stored. */
  readonly shares: Uint8Array[];
}

/** The term recorded in the AEAD header of `core/root-key` and `core/keyring`. */
const ROOT_TERM = 0;

/** Internal state: the public BarrierState plus what must never leave the class. */
type State =
  | { readonly kind: 'uninitialized' }
  | {
      readonly kind: 'sealed';
      readonly config: SealConfig;
      readonly nonce: string;
      readonly shares: readonly Uint8Array[];
    }
  | {
      readonly kind: 'unsealed';
      readonly config: SealConfig;
      /** Kept while unsealed for `sealAccess()` (raft join challenges); wiped at seal. */
      readonly unsealKey: Uint8Array;
      readonly rootKey: Uint8Array;
      readonly keyring: Keyring;
    };

type Unsealed = Extract<State, { kind: 'unsealed' }>;
type Sealed = Extract<State, { kind: 'sealed' }>;

const sealedState = (config: SealConfig): Sealed =>
  Object.freeze({ kind: 'sealed', config, nonce: randomUUID(), shares: [] });

function sameSealConfig(a: SealConfig, b: SealConfig): boolean {
  return a.type === b.type && a.secretShares === b.secretShares && a.secretThreshold === b.secretThreshold;
}

function wipe(...buffers: readonly Uint8Array[]): void {
  for (const b of buffers) b.fill(0);
}

/**
 * The security barrier: everything below it (the physical backend) sees only ciphertext.
 *
 * Lifecycle: uninitialized → (initialize) → sealed → (unseal × threshold) → unsealed →
 * (seal) → sealed. Transitions run one at a time through a promise-chain mutex and publish
 * the next state with a single assignment at their end, so no `await` observes a half-done
 * transition. Data calls (get/put/delete/list) read the state synchronously and fail with
 * BARRIER_SEALED unless unsealed.
 *
 * Storage layout: see reserved-keys.ts and docs/formats/barrier.md.
 */
export class Barrier implements StorageView {
  readonly prefix = '';
  readonly #backend: PhysicalBackend;
  readonly #seal: Seal;
  readonly #now: () => Date;
  readonly #transitions = new SerialQueue();
  #state: State;
  /** Encryptions per term since the keyring was loaded, including the persisted counts. */
  #encryptions = new Map<number, number>();

  private constructor(backend: PhysicalBackend, seal: Seal, now: () => Date, state: State) {
    this.#backend = backend;
    this.#seal = seal;
    this.#now = now;
    this.#state = state;
  }

  /** Opens a barrier over `backend`: uninitialized if `core/seal-config` is absent, else sealed. */
  static async open(backend: PhysicalBackend, opts: BarrierOptions = {}): Promise<Barrier> {
    const seal = opts.seal ?? new ShamirSeal();
    const raw = await backend.get(CORE_SEAL_CONFIG);
    let state: State = Object.freeze({ kind: 'uninitialized' });
    if (raw !== undefined) {
      const config = decodeSealConfig(raw);
      seal.validateConfig(config);
      state = sealedState(config);
    }
    return new Barrier(backend, seal, opts.now ?? (() => new Date()), state);
  }

  // ---- observation -------------------------------------------------------------------------

  state(): BarrierState {
    const s = this.#state;
    switch (s.kind) {
      case 'uninitialized':
        return { kind: 'uninitialized' };
      case 'sealed':
        return { kind: 'sealed', config: s.config, progress: s.shares.length, nonce: s.nonce };
      case 'unsealed':
        return { kind: 'unsealed', config: s.config };
    }
  }

  sealStatus(): SealStatus {
    const s = this.#state;
    const type = this.#seal.type;
    switch (s.kind) {
      case 'uninitialized':
        return { type, initialized: false, sealed: true, t: 0, n: 0, progress: 0, nonce: '' };
      case 'sealed':
        return {
          type,
          initialized: true,
          sealed: true,
          t: s.config.secretThreshold,
          n: s.config.secretShares,
          progress: s.shares.length,
          nonce: s.nonce,
        };
      case 'unsealed':
        return {
          type,
          initialized: true,
          sealed: false,
          t: s.config.secretThreshold,
          n: s.config.secretShares,
          progress: 0,
          nonce: '',
        };
    }
  }

  /** The active term's status (Vault's `sys/key-status`). */
  keyStatus(): KeyStatus {
    const { keyring } = this.#requireUnsealed();
    const term = keyring.activeTerm;
    const { installTime } = keyring.status(term);
    return Object.freeze({ term, installTime, encryptions: this.#encryptions.get(term) ?? 0 });
  }

  /** SHA-256-based fingerprint of the keyring (terms and keys), revealing no key material. */
  keyringFingerprint(): string {
    return this.#requireUnsealed().keyring.fingerprint();
  }

  // ---- transitions -------------------------------------------------------------------------

  /**
   * Generates the unseal key, root key and keyring (term 1), stores them encrypted, and
   * returns the unseal shares. Leaves the barrier sealed, as Vault does.
   */
  initialize(opts: InitializeOptions): Promise<InitializeResult> {
    return this.#transitions.run(async () => {
      const config: SealConfig = Object.freeze({
        type: this.#seal.type,
        secretShares: opts.secretShares,
        secretThreshold: opts.secretThreshold,
      });
      this.#seal.validateConfig(config);
      // Re-read: another node sharing the backend may have initialized it since open().
      if (this.#state.kind !== 'uninitialized' || (await this.#backend.get(CORE_SEAL_CONFIG)) !== undefined) {
        throw new BarrierError('ALREADY_INITIALIZED', 'barrier is already initialized');
      }
      const unsealKey = randomBytes(AEAD_KEY_BYTES);
      const rootKey = randomBytes(AEAD_KEY_BYTES);
      const keyringJson = Keyring.generate(this.#now()).serialize();
      try {
        const shares = await this.#seal.split(unsealKey, config);
        const ops: TxnOp[] = [
          {
            kind: 'put',
            key: CORE_KEYRING,
            value: aeadEncrypt(rootKey, ROOT_TERM, CORE_KEYRING, keyringJson),
          },
          {
            kind: 'put',
            key: CORE_ROOT_KEY,
            value: aeadEncrypt(unsealKey, ROOT_TERM, CORE_ROOT_KEY, rootKey),
          },
          // Last: its presence is what "initialized" means.
          { kind: 'put', key: CORE_SEAL_CONFIG, value: encodeSealConfig(config) },
        ];
        await this.#write(ops);
        this.#state = sealedState(config);
        return { shares };
      } finally {
        wipe(unsealKey, rootKey, keyringJson);
      }
    });
  }

  /**
   * Submits one unseal share. Below the threshold the share is kept (a share equal to one
   * already submitted is ignored, as in Vault). At the threshold the shares are combined and
   * the root key decrypted; wrong or mixed shares fail with INVALID_UNSEAL_KEY and reset the
   * attempt (progress 0, new nonce). A malformed share (wrong length) is refused with
   * INVALID_UNSEAL_KEY without touching progress, as Vault does. Unsealed: returns the status.
   */
  unseal(share: Uint8Array): Promise<SealStatus> {
    return this.#transitions.run(async () => {
      const s = this.#state;
      if (s.kind === 'uninitialized') throw new BarrierError('NOT_INITIALIZED', 'barrier is not initialized');
      if (s.kind === 'unsealed') return this.sealStatus();
      if (!this.#seal.isWellFormedShare(share, s.config, AEAD_KEY_BYTES)) {
        throw new BarrierError('INVALID_UNSEAL_KEY', 'unseal key has the wrong length');
      }
      if (
        s.shares.some(
          (existing) => existing.byteLength === share.byteLength && timingSafeEqual(existing, share),
        )
      ) {
        return this.sealStatus();
      }
      const shares = [...s.shares, Uint8Array.from(share)];
      if (shares.length < s.config.secretThreshold) {
        this.#state = Object.freeze({ ...s, shares });
        return this.sealStatus();
      }
      let next: Unsealed | undefined;
      try {
        next = await this.#openWithShares(s.config, shares);
      } finally {
        wipe(...shares);
        // resetUnseal() may have replaced the attempt while we awaited: then its state stands.
        if (this.#state === s) {
          this.#state = next ?? sealedState(s.config);
          if (next !== undefined) this.#encryptions = countsOf(next.keyring);
        } else if (next !== undefined) {
          wipe(next.rootKey, next.unsealKey);
        }
      }
      return this.sealStatus();
    });
  }

  /**
   * Unseals with an already-combined unseal key (a node that joined a raft cluster combined the
   * shares before the cluster's data reached it). An uninitialized barrier first re-reads
   * `core/seal-config` (the data may have arrived since `open`). A key that does not decrypt the
   * root key fails with INVALID_UNSEAL_KEY and leaves the barrier sealed. The caller keeps
   * ownership of `unsealKey` (it is copied).
   */
  unsealWithKey(unsealKey: Uint8Array): Promise<SealStatus> {
    return this.#transitions.run(async () => {
      await this.#refresh();
      const s = this.#state;
      if (s.kind === 'uninitialized') throw new BarrierError('NOT_INITIALIZED', 'barrier is not initialized');
      if (s.kind === 'unsealed') return this.sealStatus();
      const next = await this.#openWithKey(s.config, Uint8Array.from(unsealKey));
      if (this.#state === s) {
        wipe(...s.shares);
        this.#state = next;
        this.#encryptions = countsOf(next.keyring);
      } else {
        wipe(next.rootKey, next.unsealKey);
      }
      return this.sealStatus();
    });
  }

  /**
   * Re-reads `core/seal-config` unless unsealed or in the middle of an unseal attempt: an
   * uninitialized barrier becomes sealed when the configuration is there (it was replicated to this
   * node, or written by another node sharing the backend); a sealed one adopts a changed
   * configuration (e.g. after another cluster's snapshot was restored).
   */
  refresh(): Promise<BarrierState> {
    return this.#transitions.run(async () => {
      await this.#refresh();
      return this.state();
    });
  }

  /**
   * Encryption under a key derived from the unseal key (see SealAccess); BARRIER_SEALED unless
   * unsealed. The returned object is independent of later seals: callers wipe it when done.
   */
  sealAccess(): SealAccess {
    return SealAccess.fromUnsealKey(this.#requireUnsealed().unsealKey);
  }

  /** Abandons the current unseal attempt: progress 0, new nonce. */
  resetUnseal(): void {
    const s = this.#state;
    if (s.kind === 'uninitialized') throw new BarrierError('NOT_INITIALIZED', 'barrier is not initialized');
    if (s.kind === 'unsealed') throw new BarrierError('ALREADY_UNSEALED', 'barrier is unsealed');
    wipe(...s.shares);
    this.#state = sealedState(s.config);
  }

  /** Forgets the root key and keyring. Sealing a sealed barrier does nothing. */
  seal(): Promise<void> {
    return this.#transitions.run(async () => {
      const s = this.#state;
      if (s.kind === 'uninitialized') throw new BarrierError('NOT_INITIALIZED', 'barrier is not initialized');
      if (s.kind === 'sealed') return;
      this.#state = sealedState(s.config);
      this.#encryptions = new Map();
      wipe(s.rootKey, s.unsealKey);
    });
  }

  /** Installs a new key term, persists the keyring, and returns the new term's status. */
  rotate(): Promise<KeyStatus> {
    return this.#transitions.run(async () => {
      const s = this.#requireUnsealed();
      const counts = new Map(this.#encryptions);
      const keyring = s.keyring.withEncryptions((term) => counts.get(term) ?? 0).rotate(this.#now());
      await this.#storeKeyring(s.rootKey, keyring);
      this.#state = Object.freeze({ ...s, keyring });
      this.#encryptions.set(keyring.activeTerm, 0);
      return this.keyStatus();
    });
  }

  /** Re-reads `core/keyring` (a standby picks up the active node's rotation). */
  reloadKeyring(): Promise<void> {
    return this.#transitions.run(async () => {
      const s = this.#requireUnsealed();
      const keyring = await this.#loadKeyring(s.rootKey);
      this.#state = Object.freeze({ ...s, keyring });
      for (const [term, n] of countsOf(keyring)) {
        this.#encryptions.set(term, Math.max(n, this.#encryptions.get(term) ?? 0));
      }
    });
  }

  // ---- logical storage ---------------------------------------------------------------------

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#requireUnsealed();
    checkNotReserved(key);
    const ciphertext = await this.#backend.get(key);
    // Decrypt with the keyring current after the read: it may have been rotated or sealed.
    const { keyring } = this.#requireUnsealed();
    return ciphertext === undefined ? undefined : keyring.decrypt(key, ciphertext);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const { keyring } = this.#requireUnsealed();
    checkNotReserved(key);
    assertValidKey(key);
    const ciphertext = keyring.encrypt(key, value);
    const term = keyring.activeTerm;
    this.#encryptions.set(term, (this.#encryptions.get(term) ?? 0) + 1);
    await this.#backend.put(key, ciphertext);
  }

  async delete(key: string): Promise<void> {
    this.#requireUnsealed();
    checkNotReserved(key);
    await this.#backend.delete(key);
  }

  /**
   * Puts and deletes applied atomically when the backend supports transactions (one raft entry
   * for the raft backend), else in order. Validated and encrypted in full before anything is written.
   */
  async transaction(ops: readonly TxnOp[]): Promise<void> {
    const { keyring } = this.#requireUnsealed();
    const sealedOps: TxnOp[] = [];
    for (const op of ops) {
      checkNotReserved(op.key);
      assertValidKey(op.key);
      if (op.kind === 'delete') {
        sealedOps.push(op);
        continue;
      }
      sealedOps.push({ kind: 'put', key: op.key, value: keyring.encrypt(op.key, op.value) });
      const term = keyring.activeTerm;
      this.#encryptions.set(term, (this.#encryptions.get(term) ?? 0) + 1);
    }
    if (sealedOps.length > 0) await this.#write(sealedOps);
  }

  /** Direct children of `prefix`, as the backend lists them, without the reserved keys. */
  async list(prefix: string): Promise<string[]> {
    this.#requireUnsealed();
    const names = await this.#backend.list(prefix);
    this.#requireUnsealed();
    return names.filter((name) => !isReservedKey(prefix + name));
  }

  view(prefix: string): StorageView {
    return new PrefixedView(this, prefix);
  }

  // ---- internals ---------------------------------------------------------------------------

  #requireUnsealed(): Unsealed {
    const s = this.#state;
    if (s.kind !== 'unsealed') throw new BarrierError('BARRIER_SEALED', 'barrier is sealed');
    return s;
  }

  async #refresh(): Promise<void> {
    const before = this.#state;
    // An unsealed barrier, or an unseal attempt under way, keeps the configuration it has.
    if (before.kind === 'unsealed' || (before.kind === 'sealed' && before.shares.length > 0)) return;
    const raw = await this.#backend.get(CORE_SEAL_CONFIG);
    if (raw === undefined || this.#state !== before) return;
    const config = decodeSealConfig(raw);
    this.#seal.validateConfig(config);
    // Sealed with no progress: the stored configuration may have changed under us (a restore of
    // another cluster's snapshot brings that cluster's share count and threshold).
    if (before.kind === 'sealed' && sameSealConfig(before.config, config)) return;
    this.#state = sealedState(config);
  }

  async #openWithShares(config: SealConfig, shares: readonly Uint8Array[]): Promise<Unsealed> {
    return this.#openWithKey(config, await this.#seal.combine(shares));
  }

  /** Takes ownership of `unsealKey`: kept in the unsealed state, wiped on failure. */
  async #openWithKey(config: SealConfig, unsealKey: Uint8Array): Promise<Unsealed> {
    try {
      const sealedRoot = await this.#backend.get(CORE_ROOT_KEY);
      if (sealedRoot === undefined)
        throw new BarrierError('DECRYPTION_FAILED', `'${CORE_ROOT_KEY}' is missing`);
      let rootKey: Uint8Array;
      try {
        if (unsealKey.byteLength !== AEAD_KEY_BYTES) throw new Error('wrong length');
        rootKey = aeadDecrypt(unsealKey, CORE_ROOT_KEY, sealedRoot);
      } catch {
        throw new BarrierError('INVALID_UNSEAL_KEY', 'unseal key does not decrypt the root key');
      }
      try {
        const keyring = await this.#loadKeyring(rootKey);
        return Object.freeze({ kind: 'unsealed', config, unsealKey, rootKey, keyring });
      } catch (err) {
        wipe(rootKey);
        throw err;
      }
    } catch (err) {
      wipe(unsealKey);
      throw err;
    }
  }

  async #loadKeyring(rootKey: Uint8Array): Promise<Keyring> {
    const sealed = await this.#backend.get(CORE_KEYRING);
    if (sealed === undefined) throw new BarrierError('DECRYPTION_FAILED', `'${CORE_KEYRING}' is missing`);
    const json = aeadDecrypt(rootKey, CORE_KEYRING, sealed);
    try {
      return Keyring.deserialize(json);
    } finally {
      wipe(json);
    }
  }

  async #storeKeyring(rootKey: Uint8Array, keyring: Keyring): Promise<void> {
    const json = keyring.serialize();
    try {
      await this.#backend.put(CORE_KEYRING, aeadEncrypt(rootKey, ROOT_TERM, CORE_KEYRING, json));
    } finally {
      wipe(json);
    }
  }

  /** Atomically when the backend supports transactions, else in order. */
  async #write(ops: readonly TxnOp[]): Promise<void> {
    if (this.#backend.supports.transactions && this.#backend.transaction !== undefined) {
      await this.#backend.transaction(ops);
      return;
    }
    for (const op of ops) {
      if (op.kind === 'put') await this.#backend.put(op.key, op.value);
      else await this.#backend.delete(op.key);
    }
  }
}

function checkNotReserved(key: string): void {
  if (isReservedKey(key)) throw new BarrierError('RESERVED_PATH', `'${key}' is reserved by the barrier`);
}

function countsOf(keyring: Keyring): Map<number, number> {
  return new Map(keyring.terms.map((term) => [term, keyring.status(term).encryptions]));
}
