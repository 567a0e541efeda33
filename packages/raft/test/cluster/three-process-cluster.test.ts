import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { NodeStatus } from './cluster-node.js';
import { NodeProcess } from './node-process.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

void describe('three raft processes over gRPC with LevelDB', () => {
  const ids = ['n1', 'n2', 'n3'];
  const dir = mkdtempSync(join(tmpdir(), 'coffer-raft-cluster-'));
  const procs = new Map<string, NodeProcess>();
  void after(async () => {
    await Promise.all([...procs.values()].map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  void it(
    'replicates, survives SIGKILL of the leader, and the restarted node converges',
    { timeout: 90_000 },
    async () => {
      const ports = await Promise.all(ids.map(() => freePort()));
      const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
      const start = (id: string): NodeProcess => {
        const p = new NodeProcess({ id, dataDir: join(dir, id), peers });
        procs.set(id, p);
        return p;
      };
      for (const id of ids) start(id);
      await Promise.all([...procs.values()].map((p) => p.ready));

      const findLeader = (exclude?: string): Promise<{ id: string; proc: NodeProcess; status: NodeStatus }> =>
        poll('a leader', async () => {
          for (const [id, proc] of procs) {
            if (id === exclude || !proc.alive) continue;
            const s = await proc.status();
            if (s?.role === 'leader') return { id, proc, status: s };
          }
          return undefined;
        });

      const first = await findLeader();
      const r1 = await first.proc.request(
        { kind: 'propose', prefix: 'a', count: 10_000, concurrency: 64 },
        60_000,
      );
      assert.equal(r1.kind, 'proposed');
      assert.equal(r1.kind === 'proposed' && r1.ok, 10_000, r1.kind === 'proposed' ? r1.firstError : '');

      await first.proc.kill();
      const second = await findLeader(first.id);
      assert.notEqual(second.id, first.id);
      assert.ok(second.status.term > first.status.term);

      const r2 = await second.proc.request(
        { kind: 'propose', prefix: 'b', count: 1_000, concurrency: 16 },
        60_000,
      );
      assert.equal(r2.kind === 'proposed' && r2.ok, 1_000, r2.kind === 'proposed' ? r2.firstError : '');

      await start(first.id).ready;
      const commit = (await second.proc.status())!.commit;
      await poll('all nodes applied the leader commit', async () => {
        for (const p of procs.values()) {
          const s = await p.status();
          if (s === undefined || s.applied < commit) return undefined;
        }
        return true;
      });

      for (const p of procs.values()) await p.stop();
      const logs = ids.map((id) =>
        readFileSync(join(dir, id, 'applied.log'), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      for (let i = 1; i < logs.length; i++)
        assert.deepEqual(
          logs[i]!.slice(0, commit),
          logs[0]!.slice(0, commit),
          `${ids[i]} applied the same sequence as ${ids[0]}`,
        );
      const values = logs[0]!
        .slice(0, commit)
        .map((l) => l.split(' ')[2]!)
        .filter((v) => v !== '-');
      const expected = new Set([
        ...Array.from({ length: 10_000 }, (_, i) => `a${i}`),
        ...Array.from({ length: 1_000 }, (_, i) => `b${i}`),
      ]);
      assert.equal(values.length, expected.size, 'each acknowledged value applied exactly once');
      assert.deepEqual(new Set(values), expected);
      const indexes = logs[0]!.slice(0, commit).map((l) => Number(l.split(' ')[0]));
      assert.deepEqual(
        indexes,
        Array.from({ length: commit }, (_, i) => i + 1),
        'no gaps, no repeats',
      );
    },
  );
});
