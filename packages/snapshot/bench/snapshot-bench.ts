/**
 * Snapshot throughput: `node --conditions=source --import tsx packages/snapshot/bench/snapshot-bench.ts`.
 *
 * BENCH_ENTRIES entries (default 100,000) of ~1 KiB (random 768–1,280 bytes, like barrier
 * ciphertext of small secrets) under keys shaped like Vault's storage layout. Phases: write to
 * a temporary file (fs stream, backpressure), read it back verifying every checksum, inspect
 * it, and a file-less write → read through `snapshotStream`. Prints MB/s (10^6 bytes of
 * snapshot file per second) per phase and the process's peak RSS.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  inspectSnapshot,
  readSnapshot,
  snapshotStream,
  writeSnapshot,
  type SnapshotEntry,
  type SnapshotMeta,
} from '../src/index.js';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const POOL = randomBytes(4 * 1024 * 1024);
const PREFIXES = [
  'logical/6a1f0c2e-4b7d/data/',
  'logical/9e3c/metadata/',
  'sys/token/id/',
  'sys/expire/id/',
  'core/',
];

const meta: SnapshotMeta = {
  index: 123_456,
  term: 9,
  configuration: { servers: [{ id: 'n1', address: '127.0.0.1:8201', suffrage: 'voter' }] },
  createdAt: new Date().toISOString(),
  keyringFingerprint: 'bench',
};

function* entries(): Generator<SnapshotEntry> {
  for (let i = 0; i < ENTRIES; i++) {
    const length = 768 + ((i * 7919) % 513);
    const start = (i * 104_729) % (POOL.length - length);
    yield {
      key: `${PREFIXES[i % PREFIXES.length]}${i.toString(16).padStart(8, '0')}`,
      value: POOL.subarray(start, start + length),
    };
  }
}

function report(name: string, bytes: number, ms: number, extra = ''): void {
  const mbs = bytes / 1e6 / (ms / 1000);
  console.log(
    `${name.padEnd(28)} ${(bytes / 1e6).toFixed(1).padStart(7)} MB ${ms.toFixed(0).padStart(6)} ms ${mbs.toFixed(0).padStart(6)} MB/s ${extra}`,
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-snapshot-bench-'));
  try {
    const path = join(dir, 'bench.snap');
    console.log(`snapshot bench: ${ENTRIES} entries of ~1 KiB, node ${process.version}`);

    let t = performance.now();
    const written = await writeSnapshot(meta, entries(), createWriteStream(path));
    report('write (file)', written.bytes, performance.now() - t, `${written.blocks} blocks`);

    t = performance.now();
    const reader = await readSnapshot(createReadStream(path, { highWaterMark: 1024 * 1024 }));
    let count = 0;
    for await (const _ of reader.entries) count++;
    if (count !== ENTRIES) throw new Error(`read ${count} entries`);
    report('read + verify (file)', written.bytes, performance.now() - t);

    t = performance.now();
    const summary = await inspectSnapshot(createReadStream(path, { highWaterMark: 1024 * 1024 }));
    if (summary.sha256 !== written.sha256) throw new Error('sha256 differs');
    report('inspect (file)', written.bytes, performance.now() - t, JSON.stringify(summary.countsByPrefix));

    t = performance.now();
    const piped = await readSnapshot(snapshotStream(meta, entries()));
    count = 0;
    for await (const _ of piped.entries) count++;
    if (count !== ENTRIES) throw new Error(`piped ${count} entries`);
    report('write → read (in memory)', written.bytes, performance.now() - t);

    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
