/**
 * The physical-backend conformance suite, exported as `@coffer/barrier/conformance`.
 * Every backend (inmem, file, and the raft backend in packages/server) must pass it.
 *
 * Usage, in a `*.test.ts` file:
 *
 * ```ts
 * runBackendConformance('file', {
 *   create: async () => FileBackend.open({ path: dir = await mkdtemp(...) }),
 *   reopen: async () => FileBackend.open({ path: dir }),
 *   cleanup: async () => rm(dir, { recursive: true, force: true }),
 * });
 * ```
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { PhysicalBackend } from './physical-backend.js';

export interface BackendHarness {
  /** A new backend over new, empty storage. Called once at the start of every test. */
  create(): Promise<PhysicalBackend>;
  /**
   * The storage of the latest `create()`, opened again. The suite has already closed the
   * previous backend. Omit for backends without persistence (the reopen test is then skipped
   * by not being registered).
   */
  reopen?(): Promise<PhysicalBackend>;
  /**
   * Called once after every test, pass or fail, after the suite has closed every backend it
   * obtained: remove the storage of the latest `create()` (temp directories, processes).
   */
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: expected a Uint8Array, got ${String(actual)}`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected),
    `${what}: bytes differ`,
  );
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.equal((err as { code?: unknown }).code, code);
    return true;
  });
}

/** Registers the conformance cases for one backend as a `describe` block. */
export function runBackendConformance(name: string, harness: BackendHarness): void {
  /** Runs `body` against a fresh backend; closes what it opened and cleans up, even on failure. */
  async function withBackend(
    body: (backend: PhysicalBackend, reopen: () => Promise<PhysicalBackend>) => Promise<void>,
  ): Promise<void> {
    const open = new Set<PhysicalBackend>();
    try {
      const backend = await harness.create();
      open.add(backend);
      const reopen = async (): Promise<PhysicalBackend> => {
        const { reopen: again } = harness;
        if (again === undefined) throw new Error('harness has no reopen()');
        for (const b of open) await b.close();
        open.clear();
        const next = await again.call(harness);
        open.add(next);
        return next;
      };
      await body(backend, reopen);
    } finally {
      try {
        for (const b of open) await b.close();
      } finally {
        await harness.cleanup();
      }
    }
  }

  void describe(`physical backend conformance: ${name}`, () => {
    void it('get of a missing key resolves undefined', () =>
      withBackend(async (b) => {
        assert.equal(await b.get('missing'), undefined);
        assert.equal(await b.get('a/b/missing'), undefined);
      }));

    void it('put then get returns the same bytes', () =>
      withBackend(async (b) => {
        const value = randomBytes(100);
        await b.put('foo', value);
        assertBytes(await b.get('foo'), value, 'foo');
      }));

    void it('put overwrites', () =>
      withBackend(async (b) => {
        await b.put('k', bytes('first'));
        await b.put('k', bytes('second value'));
        assertBytes(await b.get('k'), bytes('second value'), 'k');
        assert.deepEqual(await b.list(''), ['k']);
      }));

    void it('stored values are not aliased by the caller', () =>
      withBackend(async (b) => {
        const value = bytes('original');
        await b.put('k', value);
        value.fill(0);
        const got = await b.get('k');
        assertBytes(got, bytes('original'), 'after mutating the input');
        got?.fill(0);
        assertBytes(await b.get('k'), bytes('original'), 'after mutating an output');
      }));

    void it('delete removes a key', () =>
      withBackend(async (b) => {
        await b.put('a', bytes('1'));
        await b.put('b', bytes('2'));
        await b.delete('a');
        assert.equal(await b.get('a'), undefined);
        assertBytes(await b.get('b'), bytes('2'), 'b');
        assert.deepEqual(await b.list(''), ['b']);
      }));

    void it('delete of a missing key succeeds', () =>
      withBackend(async (b) => {
        await b.delete('never/was/here');
        assert.equal(await b.get('never/was/here'), undefined);
      }));

    void it('list returns sorted direct children, folders once with a trailing slash', () =>
      withBackend(async (b) => {
        const keys = ['a/b', 'a/c/d', 'a/c/e', 'a/c/f/g', 'a/d', 'a/e/x', 'a/ab', 'ab', 'a', 'b/z'];
        for (const k of keys) await b.put(k, bytes(k));
        assert.deepEqual(await b.list('a/'), ['ab', 'b', 'c/', 'd', 'e/']);
        assert.deepEqual(await b.list('a/c/'), ['d', 'e', 'f/']);
        assert.deepEqual(await b.list('a/c/f/'), ['g']);
        assert.deepEqual(await b.list('a/e/'), ['x']);
        assert.deepEqual(await b.list('nothing/'), []);
        // Deleting the only key in a folder removes the folder from its parent's listing.
        await b.delete('a/c/f/g');
        assert.deepEqual(await b.list('a/c/'), ['d', 'e']);
        await b.delete('b/z');
        assert.deepEqual(await b.list(''), ['a', 'a/', 'ab']);
      }));

    void it("list of the root '' returns top-level keys and folders", () =>
      withBackend(async (b) => {
        assert.deepEqual(await b.list(''), []);
        for (const k of ['sys/policy/x', 'sys/mounts', 'secret/foo', 'zeta', 'alpha', 'sys/token/a/b']) {
          await b.put(k, bytes(k));
        }
        assert.deepEqual(await b.list(''), ['alpha', 'secret/', 'sys/', 'zeta']);
      }));

    void it('keys with unicode and slashes round-trip and list in code-point order', () =>
      withBackend(async (b) => {
        // U+FFFD sorts before U+1F600 by code point (and by UTF-8 bytes) but after it by UTF-16
        // code units; 'ÿ' (U+00FF) and characters above it catch a `prefix + '\xff'` bound.
        const keys = ['ü/ÿ', 'ü/日本/語', 'ü/日本/x', 'ü/😀', 'ü/\uFFFD', 'ü/z', 'ü/é/ø', '日', 'ü0', 'ü/Ω'];
        for (const k of keys) await b.put(k, bytes(`v:${k}`));
        for (const k of keys) assertBytes(await b.get(k), bytes(`v:${k}`), k);
        assert.deepEqual(await b.list('ü/'), ['z', 'é/', 'ÿ', 'Ω', '日本/', '\uFFFD', '😀']);
        assert.deepEqual(await b.list('ü/日本/'), ['x', '語']);
        assert.deepEqual(await b.list(''), ['ü/', 'ü0', '日']);
      }));

    void it('invalid keys are refused with INVALID_KEY', () =>
      withBackend(async (b) => {
        await rejectsWithCode(b.put('', bytes('x')), 'INVALID_KEY');
        await rejectsWithCode(b.put('bad\uD800key', bytes('x')), 'INVALID_KEY');
        await rejectsWithCode(b.get('\uDC00'), 'INVALID_KEY');
        assert.deepEqual(await b.list(''), []);
      }));

    void it('an empty value is stored and is distinct from a missing key', () =>
      withBackend(async (b) => {
        await b.put('empty', new Uint8Array(0));
        assertBytes(await b.get('empty'), new Uint8Array(0), 'empty');
        assert.deepEqual(await b.list(''), ['empty']);
      }));

    void it('1 MiB values round-trip', () =>
      withBackend(async (b) => {
        const big = randomBytes(1024 * 1024);
        await b.put('big/one', big);
        await b.put('big/two', big.subarray(1));
        assertBytes(await b.get('big/one'), big, 'big/one');
        assertBytes(await b.get('big/two'), big.subarray(1), 'big/two');
      }));

    void it('1,000 concurrent puts are all readable', () =>
      withBackend(async (b) => {
        const n = 1000;
        const key = (i: number): string => `c/${String(i).padStart(4, '0')}`;
        await Promise.all(Array.from({ length: n }, (_, i) => b.put(key(i), bytes(`value-${i}`))));
        const got = await Promise.all(Array.from({ length: n }, (_, i) => b.get(key(i))));
        got.forEach((v, i) => assertBytes(v, bytes(`value-${i}`), key(i)));
        const listed = await b.list('c/');
        assert.equal(listed.length, n);
        assert.deepEqual(
          listed,
          Array.from({ length: n }, (_, i) => key(i).slice(2)),
        );
      }));

    void it('declares its capabilities', () =>
      withBackend(async (b) => {
        assert.equal(typeof b.supports.transactions, 'boolean');
        assert.equal(typeof b.transaction === 'function', b.supports.transactions);
      }));

    void it('transaction applies puts and deletes together (when supported)', () =>
      withBackend(async (b) => {
        if (!b.supports.transactions) {
          assert.equal(b.transaction, undefined, 'transaction() present but supports.transactions is false');
          return;
        }
        const txn = b.transaction?.bind(b);
        assert.ok(txn);
        await b.put('t/old', bytes('old'));
        await b.put('t/keep', bytes('keep'));
        await txn([
          { kind: 'put', key: 't/a', value: bytes('A') },
          { kind: 'delete', key: 't/old' },
          { kind: 'put', key: 't/b/c', value: bytes('C') },
          { kind: 'put', key: 't/a', value: bytes('A2') },
        ]);
        assertBytes(await b.get('t/a'), bytes('A2'), 't/a (last put wins)');
        assertBytes(await b.get('t/b/c'), bytes('C'), 't/b/c');
        assert.equal(await b.get('t/old'), undefined);
        assert.deepEqual(await b.list('t/'), ['a', 'b/', 'keep']);
      }));

    void it('transaction is atomic: one invalid operation applies none (when supported)', () =>
      withBackend(async (b) => {
        if (!b.supports.transactions) {
          assert.equal(b.transaction, undefined, 'transaction() present but supports.transactions is false');
          return;
        }
        const txn = b.transaction?.bind(b);
        assert.ok(txn);
        await b.put('t/old', bytes('old'));
        await rejectsWithCode(
          txn([
            { kind: 'put', key: 't/a', value: bytes('A') },
            { kind: 'delete', key: 't/old' },
            { kind: 'put', key: 't/\uD800', value: bytes('bad') },
          ]),
          'INVALID_KEY',
        );
        assert.equal(await b.get('t/a'), undefined);
        assertBytes(await b.get('t/old'), bytes('old'), 't/old');
        assert.deepEqual(await b.list('t/'), ['old']);
      }));

    if (harness.reopen !== undefined) {
      void it('data survives close and reopen', () =>
        withBackend(async (b, reopen) => {
          const big = randomBytes(64 * 1024);
          await b.put('p/one', bytes('1'));
          await b.put('p/big', big);
          await b.put('p/gone', bytes('x'));
          await b.delete('p/gone');
          await b.put('p/日本', bytes('jp'));
          if (b.supports.transactions) {
            await b.transaction?.([{ kind: 'put', key: 'p/txn', value: bytes('t') }]);
          }
          const again = await reopen();
          assertBytes(await again.get('p/one'), bytes('1'), 'p/one');
          assertBytes(await again.get('p/big'), big, 'p/big');
          assertBytes(await again.get('p/日本'), bytes('jp'), 'p/日本');
          assert.equal(await again.get('p/gone'), undefined);
          const expected = b.supports.transactions ? ['big', 'one', 'txn', '日本'] : ['big', 'one', '日本'];
          assert.deepEqual(await again.list('p/'), expected);
        }));
    }
  });
}
