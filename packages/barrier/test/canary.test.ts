import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { aeadDecrypt } from '../src/aead.js';
import { Barrier } from '../src/barrier.js';
import { FileBackend } from '../src/file-backend.js';
import { CORE_KEYRING, CORE_ROOT_KEY } from '../src/reserved-keys.js';
import { ShamirSeal } from '../src/shamir-seal.js';

/** Every regular file under `dir`, recursively, with its bytes. */
async function readTree(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await readTree(path)));
    else if (entry.isFile()) out.push({ path, bytes: await readFile(path) });
  }
  return out;
}

/** Names of the needles found anywhere in the files under `dir`. */
async function scan(dir: string, needles: ReadonlyMap<string, Uint8Array>): Promise<string[]> {
  const files = await readTree(dir);
  assert.ok(files.length > 0, 'no files to scan');
  const found: string[] = [];
  for (const [name, needle] of needles) {
    for (const f of files) if (f.bytes.includes(Buffer.from(needle))) found.push(`${name} in ${f.path}`);
  }
  return found;
}

/** A byte string together with its hex and base64 spellings. */
function spellings(name: string, bytes: Uint8Array): [string, Uint8Array][] {
  const b = Buffer.from(bytes);
  return [
    [name, b],
    [`${name} (hex)`, Buffer.from(b.toString('hex'))],
    [`${name} (base64)`, Buffer.from(b.toString('base64'))],
  ];
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-canary-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void describe('canary: nothing secret reaches the disk in plaintext', () => {
  void it('the scan finds a canary written around the barrier (control)', () =>
    withDir(async (dir) => {
      const canary = Buffer.from(`CANARY-CONTROL-${randomBytes(8).toString('hex')}`);
      const backend = await FileBackend.open({ path: dir, compression: false });
      try {
        await backend.put('raw/value', canary);
      } finally {
        await backend.close();
      }
      assert.notDeepEqual(await scan(dir, new Map([['control', canary]])), []);
    }));

  void it('canaries, shares, the unseal key, the root key and every keyring key are absent', () =>
    withDir(async (dir) => {
      const canaries = Array.from({ length: 20 }, (_, i) => `CANARY-${i}-${randomBytes(12).toString('hex')}`);
      const backend = await FileBackend.open({ path: dir, compression: false });
      let shares: Uint8Array[] = [];
      let rootKey: Uint8Array = new Uint8Array(0);
      let unsealKey: Uint8Array = new Uint8Array(0);
      let keyringKeys: Uint8Array[] = [];
      try {
        const barrier = await Barrier.open(backend);
        shares = (await barrier.initialize({ secretShares: 3, secretThreshold: 2 })).shares;
        for (const s of shares.slice(0, 2)) await barrier.unseal(s);
        for (const [i, c] of canaries.entries()) {
          if (i === 10) await barrier.rotate();
          // Small values, a value repeating the canary (compressible), and a large one.
          const value = i % 3 === 0 ? c.repeat(200) : c;
          await barrier.put(`secret/${i}`, new TextEncoder().encode(value));
          await barrier.view('logical/kv/').put(`data/${i}`, new TextEncoder().encode(`{"password":"${c}"}`));
        }
        await barrier.rotate();
        await barrier.reloadKeyring();
        // Recover every key from storage, as an attacker holding the shares could.
        unsealKey = await new ShamirSeal().combine(shares.slice(1));
        rootKey = aeadDecrypt(unsealKey, CORE_ROOT_KEY, (await backend.get(CORE_ROOT_KEY)) as Uint8Array);
        const keyring = JSON.parse(
          new TextDecoder().decode(
            aeadDecrypt(rootKey, CORE_KEYRING, (await backend.get(CORE_KEYRING)) as Uint8Array),
          ),
        ) as { keys: { key: string }[] };
        keyringKeys = keyring.keys.map((k) => Buffer.from(k.key, 'base64'));
        assert.equal(keyringKeys.length, 3);
        await barrier.seal();
      } finally {
        await backend.close();
      }

      const needles = new Map<string, Uint8Array>([
        ...canaries.map((c, i): [string, Uint8Array] => [`canary ${i}`, Buffer.from(c)]),
        ...spellings('unseal key', unsealKey),
        ...spellings('root key', rootKey),
        ...shares.flatMap((s, i) => spellings(`share ${i}`, s)),
        ...keyringKeys.flatMap((k, i) => spellings(`keyring key ${i + 1}`, k)),
      ]);
      assert.equal(needles.size, 20 + 3 + 3 + 9 + 9);
      assert.deepEqual(await scan(dir, needles), []);
    }));
});
