/**
 * `npm run bench`: KV v2 write and read throughput of one Coffer node on file storage.
 *
 * Spawns a real server process (the e2e harness: file storage, TLS off, loopback), initialises
 * and unseals it, mounts KV v2 at `secret/`, then drives it with autocannon:
 *   write: POST /v1/secret/data/bench-<n> (distinct keys), concurrency 1 and 64
 *   read:  GET  /v1/secret/data/read-<n % 1000> (1000 pre-written keys), concurrency 1 and 64
 * Each run lasts BENCH_SECONDS (default 10). Prints req/s and p50/p99 latency (ms) per run and
 * writes the numbers as JSON to BENCH_OUT when set.
 */
import { writeFile } from 'node:fs/promises';
import autocannon, { type Result } from 'autocannon';
import { removeDir, startServer } from '../test/e2e/harness.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? '10');
const READ_KEYS = 1000;

interface Row {
  readonly op: 'write' | 'read';
  readonly concurrency: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly total: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function main(): Promise<void> {
  const server = await startServer();
  try {
    const { rootToken } = await server.initAndUnseal(1, 1);
    const mount = await server.request('POST', 'sys/mounts/secret', {
      token: rootToken,
      body: { type: 'kv-v2' },
    });
    if (mount.status !== 204) throw new Error(`mount failed: ${mount.status} ${mount.text}`);
    for (let i = 0; i < READ_KEYS; i++) {
      const res = await server.request('POST', `secret/data/read-${i}`, {
        token: rootToken,
        body: { data: { value: `v${i}`, n: i } },
      });
      if (res.status !== 200) throw new Error(`seed failed: ${res.status}`);
    }
    const headers = { 'X-Vault-Token': rootToken, 'Content-Type': 'application/json' };
    const rows: Row[] = [];
    let writeCounter = 0;
    let readCounter = 0;
    for (const op of ['write', 'read'] as const) {
      for (const concurrency of [1, 64]) {
        const result: Result = await autocannon({
          url: server.url,
          connections: concurrency,
          duration: seconds,
          headers,
          requests: [
            op === 'write'
              ? {
                  method: 'POST',
                  setupRequest: (req) => ({
                    ...req,
                    path: `/v1/secret/data/bench-${writeCounter++}`,
                    body: JSON.stringify({ data: { value: 'x'.repeat(64), n: writeCounter } }),
                  }),
                }
              : {
                  method: 'GET',
                  setupRequest: (req) => ({
                    ...req,
                    path: `/v1/secret/data/read-${readCounter++ % READ_KEYS}`,
                  }),
                },
          ],
        });
        const row: Row = {
          op,
          concurrency,
          reqPerSec: Math.round(result.requests.average),
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          total: result.requests.total,
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
        };
        rows.push(row);
        console.log(
          `${op.padEnd(5)} c=${String(concurrency).padStart(2)}  ${String(row.reqPerSec).padStart(6)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  (${row.total} requests, ${row.errors} errors, ${row.non2xx} non-2xx)`,
        );
      }
    }
    if (process.env['BENCH_OUT'] !== undefined) {
      await writeFile(process.env['BENCH_OUT'], JSON.stringify({ seconds, storage: 'file', rows }, null, 2));
    }
    const failed = rows.filter((r) => r.errors > 0 || r.non2xx > 0);
    if (failed.length > 0) {
      console.error('some requests failed; see the non-2xx/error counts above');
      process.exitCode = 1;
    }
  } finally {
    await server.stop();
    await removeDir(server.dir);
  }
}

await main();
