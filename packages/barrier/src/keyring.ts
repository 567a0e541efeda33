import { createHash, createHmac, randomBytes } from 'node:crypto';
import { AEAD_KEY_BYTES, aeadDecrypt, aeadEncrypt, aeadTerm } from './aead.js';
import { BarrierError } from './barrier-error.js';

/** What `sys/key-status` reports about the active term. */
export interface KeyStatus {
  readonly term: number;
  /** RFC 3339 timestamp (UTC) of when the term was installed. */
  readonly installTime: string;
  /** Encryptions performed with this term (persisted when the keyring is written). */
  readonly encryptions: number;
}

interface TermKey extends KeyStatus {
  readonly key: Uint8Array;
}

/** The JSON stored (encrypted by the root key) at `core/keyring`. */
interface KeyringJson {
  version: 1;
  active_term: number;
  keys: { term: number; key: string; install_time: string; encryptions: number }[];
}

const FINGERPRINT_DOMAIN = 'coffer-keyring-fingerprint-v1';

/**
 * The data-encryption keys, one per term. Immutable: `rotate()` and `withEncryptions()` return
 * new keyrings. The active (highest) term encrypts; every term still decrypts. Key bytes never
 * leave this class except through `serialize()`, whose output the barrier encrypts with the root key.
 */
export class Keyring {
  readonly #keys: ReadonlyMap<number, TermKey>;
  readonly activeTerm: number;

  private constructor(keys: ReadonlyMap<number, TermKey>, activeTerm: number) {
    this.#keys = keys;
    this.activeTerm = activeTerm;
    Object.freeze(this);
  }

  /** A new keyring holding term 1 with a random 256-bit key. */
  static generate(now: Date): Keyring {
    const first: TermKey = freezeTerm({
      term: 1,
      key: randomBytes(AEAD_KEY_BYTES),
      installTime: now.toISOString(),
      encryptions: 0,
    });
    return new Keyring(new Map([[1, first]]), 1);
  }

  /** Every term, ascending. */
  get terms(): readonly number[] {
    return Object.freeze([...this.#keys.keys()].sort((a, b) => a - b));
  }

  /** Status of `term` (default: the active term). */
  status(term: number = this.activeTerm): KeyStatus {
    const k = this.#keys.get(term);
    if (k === undefined) throw new RangeError(`keyring has no term ${term}`);
    return Object.freeze({ term: k.term, installTime: k.installTime, encryptions: k.encryptions });
  }

  /** A keyring with a new random key as active term `activeTerm + 1`; old terms kept. */
  rotate(now: Date): Keyring {
    const term = this.activeTerm + 1;
    const keys = new Map(this.#keys);
    keys.set(
      term,
      freezeTerm({ term, key: randomBytes(AEAD_KEY_BYTES), installTime: now.toISOString(), encryptions: 0 }),
    );
    return new Keyring(keys, term);
  }

  /** A keyring whose per-term encryption counters are `count(term)`. */
  withEncryptions(count: (term: number) => number): Keyring {
    const keys = new Map<number, TermKey>();
    for (const [term, k] of this.#keys) keys.set(term, freezeTerm({ ...k, encryptions: count(term) }));
    return new Keyring(keys, this.activeTerm);
  }

  /** Encrypts with the active term (AEAD format, `path` bound as additional data). */
  encrypt(path: string, plaintext: Uint8Array): Uint8Array {
    return aeadEncrypt(this.#termKey(this.activeTerm, path).key, this.activeTerm, path, plaintext);
  }

  /** Decrypts with whichever term the ciphertext names. */
  decrypt(path: string, ciphertext: Uint8Array): Uint8Array {
    return aeadDecrypt(this.#termKey(aeadTerm(ciphertext), path).key, path, ciphertext);
  }

  /**
   * A stable fingerprint of the key material: SHA-256 over the terms and, per term,
   * HMAC-SHA256(key, domain). Identifies a keyring (e.g. to refuse a snapshot from another
   * cluster) without revealing keys; changes on rotate, not on encryption counts.
   */
  fingerprint(): string {
    const h = createHash('sha256').update(FINGERPRINT_DOMAIN);
    const word = Buffer.alloc(4);
    for (const term of this.terms) {
      const k = this.#keys.get(term) as TermKey;
      word.writeUInt32BE(term);
      h.update(word).update(createHmac('sha256', k.key).update(FINGERPRINT_DOMAIN).digest());
    }
    word.writeUInt32BE(this.activeTerm);
    return h.update(word).digest('hex');
  }

  /** UTF-8 JSON (see docs/formats/barrier.md). Contains key material: encrypt before storing. */
  serialize(): Uint8Array {
    const json: KeyringJson = {
      version: 1,
      active_term: this.activeTerm,
      keys: this.terms.map((term) => {
        const k = this.#keys.get(term) as TermKey;
        return {
          term,
          key: Buffer.from(k.key).toString('base64'),
          install_time: k.installTime,
          encryptions: k.encryptions,
        };
      }),
    };
    return new TextEncoder().encode(JSON.stringify(json));
  }

  /** Parses `serialize()` output; anything malformed is a DECRYPTION_FAILED BarrierError. */
  static deserialize(bytes: Uint8Array): Keyring {
    const malformed = (): BarrierError =>
      new BarrierError('DECRYPTION_FAILED', 'stored keyring is malformed');
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw malformed();
    }
    if (typeof json !== 'object' || json === null) throw malformed();
    const { version, active_term: active, keys: list } = json as Record<string, unknown>;
    if (version !== 1 || !isTerm(active) || !Array.isArray(list) || list.length === 0) throw malformed();
    const keys = new Map<number, TermKey>();
    for (const entry of list as unknown[]) {
      if (typeof entry !== 'object' || entry === null) throw malformed();
      const { term, key, install_time: installTime, encryptions } = entry as Record<string, unknown>;
      if (!isTerm(term) || term === 0 || keys.has(term)) throw malformed();
      if (typeof key !== 'string' || typeof installTime !== 'string') throw malformed();
      if (typeof encryptions !== 'number' || !Number.isSafeInteger(encryptions) || encryptions < 0)
        throw malformed();
      const raw = Buffer.from(key, 'base64');
      if (raw.byteLength !== AEAD_KEY_BYTES || raw.toString('base64') !== key) throw malformed();
      keys.set(term, freezeTerm({ term, key: new Uint8Array(raw), installTime, encryptions }));
    }
    if (Math.max(...keys.keys()) !== active) throw malformed();
    return new Keyring(keys, active);
  }

  #termKey(term: number, path: string): TermKey {
    const k = this.#keys.get(term);
    if (k === undefined)
      throw new BarrierError('DECRYPTION_FAILED', `ciphertext at '${path}' names unknown key term ${term}`);
    return k;
  }
}

function isTerm(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffff_ffff;
}

function freezeTerm(k: TermKey): TermKey {
  return Object.freeze(k);
}
