import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { base64Core, encodingsOf, scanForCanaries } from '../fault/harness/canary-scan.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-canary-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Random bytes with no printable runs long enough to look like a canary by chance. */
function noise(n: number): Buffer {
  return randomBytes(n);
}

void describe('canary scan (test/fault/harness/canary-scan.ts)', () => {
  void it('base64Core yields the characters a needle contributes at every alignment of a larger blob', () => {
    const needle = Buffer.from('canary-0123456789', 'utf8');
    for (const shift of [0, 1, 2]) {
      for (const tail of [0, 1, 2]) {
        const blob = Buffer.concat([randomBytes(9 + shift), needle, randomBytes(tail)]).toString('base64');
        assert.ok(blob.includes(base64Core(needle, (9 + shift) % 3)), `shift ${shift} tail ${tail}`);
      }
    }
  });

  void it('finds a planted canary in every encoding (control), in nested dirs and across chunk borders', async () => {
    const needle = 'CANARY-ctl-7f3e9a1b5c2d';
    const root = join(dir, 'planted');
    const encodings = encodingsOf(needle);
    assert.ok(encodings.length >= 7, 'utf8, base64 ×3, base64url (when it differs), hex, HEX, utf16le');
    for (const [i, enc] of encodings.entries()) {
      const sub = join(root, `d${i}`, 'deeper');
      await mkdir(sub, { recursive: true });
      await writeFile(
        join(sub, `f.${enc.encoding}.ldb`),
        Buffer.concat([noise(1000 + i), enc.bytes, noise(77)]),
      );
    }
    // Embedded in a real base64 blob at odd offsets, and straddling the 8 MiB chunk border.
    await writeFile(
      join(root, 'blob.json'),
      `{"v":"${Buffer.concat([noise(7), Buffer.from(needle), noise(5)]).toString('base64')}"}`,
    );
    const big = noise(8 * 1024 * 1024 + 100);
    Buffer.from(needle).copy(big, 8 * 1024 * 1024 - 5);
    await writeFile(join(root, 'big.log'), big);

    const hits = await scanForCanaries([root], [needle, 'other-needle-not-there']);
    const files = new Set(hits.map((h) => h.file));
    for (const [i, enc] of encodings.entries()) {
      assert.ok(
        files.has(join(root, `d${i}`, 'deeper', `f.${enc.encoding}.ldb`)),
        `missed ${enc.encoding} (${enc.bytes.toString('latin1')})`,
      );
    }
    assert.ok(files.has(join(root, 'blob.json')), 'base64 blob');
    assert.ok(files.has(join(root, 'big.log')), 'chunk border');
    assert.ok(hits.every((h) => h.needle === needle));
    assert.equal(hits.length, encodings.length + 2);
  });

  void it('reports nothing on clean data and handles missing dirs, empty files and a file path', async () => {
    const root = join(dir, 'clean');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await writeFile(join(root, 'a', 'b', 'x.log'), noise(200_000));
    await writeFile(join(root, 'empty'), Buffer.alloc(0));
    const needles = Array.from({ length: 1000 }, (_, i) => `canary-${i}-${randomBytes(12).toString('hex')}`);
    assert.deepEqual(await scanForCanaries([root, join(dir, 'missing'), join(root, 'empty')], needles), []);
  });

  void it('refuses needles too short to be meaningful', async () => {
    await assert.rejects(scanForCanaries([dir], ['abc']), RangeError);
  });

  void it('scans 10^5 needles over 24 MB in bounded time (measured)', async () => {
    const root = join(dir, 'bench');
    await mkdir(root, { recursive: true });
    const needles = Array.from({ length: 100_000 }, () => randomBytes(16).toString('base64url'));
    const mb = Number(process.env['CANARY_BENCH_MB'] ?? '24');
    for (let i = 0; i < mb; i++) await writeFile(join(root, `f${i}.ldb`), noise(1024 * 1024));
    const planted = needles[54_321] ?? '';
    await writeFile(join(root, 'hit.log'), Buffer.concat([noise(100), Buffer.from(planted), noise(100)]));
    const start = process.hrtime.bigint();
    const hits = await scanForCanaries([root], needles);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`canary scan: ${needles.length} needles × ${mb + 1} files (${mb} MB): ${ms.toFixed(0)} ms`);
    assert.deepEqual(hits, [{ file: join(root, 'hit.log'), needle: planted, encoding: 'utf8' }]);
    assert.ok(ms < 120_000, `took ${ms} ms`);
  });
});
