import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HistoryRecorder } from './history-recorder.js';
import { loadHistory } from './load-history.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fake monotonic clock: 1000 ns per reading. */
function fakeClock(start = 1_000_000_000_000n): () => bigint {
  let t = start;
  return () => (t += 1000n);
}

void describe('HistoryRecorder', () => {
  void it('stamps invoke and complete, assigns ids in invocation order, keeps results', () => {
    const rec = new HistoryRecorder({ clock: fakeClock() });
    const a = rec.invoke(1, { type: 'write', key: 'k', value: 'v1' }, 'n1');
    const b = rec.invoke(2, { type: 'read', key: 'k' }, 'n2');
    rec.complete(b, { outcome: 'ok', result: 'v1' });
    rec.complete(a, { outcome: 'info', error: 'timeout' });
    const h = rec.history();
    assert.deepEqual(
      h.map((op) => [op.id, op.process, op.node, op.outcome, op.result ?? null, op.error ?? null]),
      [
        [0, 1, 'n1', 'info', null, 'timeout'],
        [1, 2, 'n2', 'ok', 'v1', null],
      ],
    );
    const [w, r] = h;
    assert.ok(w && r && w.invokeNs < r.invokeNs && r.completeNs < w.completeNs);
    assert.equal(rec.pendingCount, 0);
  });

  void it('uses the real monotonic clock by default', () => {
    const rec = new HistoryRecorder();
    const op = rec.complete(rec.invoke(1, { type: 'read', key: 'k' }), { outcome: 'ok', result: null });
    assert.equal(typeof op.invokeNs, 'bigint');
    assert.ok(op.completeNs >= op.invokeNs);
  });

  void it('refuses to complete an op twice', () => {
    const rec = new HistoryRecorder({ clock: fakeClock() });
    const p = rec.invoke(1, { type: 'read', key: 'k' });
    rec.complete(p, { outcome: 'ok', result: null });
    assert.throws(() => rec.complete(p, { outcome: 'ok', result: null }), /not in flight/);
  });

  void it('discard(): an op that never reached the system is not recorded; ids keep invocation order', () => {
    const rec = new HistoryRecorder({ clock: fakeClock() });
    const a = rec.invoke(1, { type: 'write', key: 'k', value: 1 });
    const b = rec.invoke(2, { type: 'write', key: 'k', value: 2 });
    rec.discard(a);
    rec.complete(b, { outcome: 'ok' });
    assert.deepEqual(
      rec.history().map((h) => h.id),
      [1],
    );
    assert.equal(rec.pendingCount, 0);
    assert.throws(() => rec.discard(a), /not in flight/);
    assert.throws(() => rec.complete(a, { outcome: 'ok' }), /not in flight/);
  });

  void it('run(): records the completion, or records a thrown error as info and rethrows it', async () => {
    const rec = new HistoryRecorder({ clock: fakeClock() });
    const ok = await rec.run(1, 'n1', { type: 'write', key: 'k', value: 1 }, async () => ({ outcome: 'ok' }));
    assert.equal(ok.outcome, 'ok');
    await assert.rejects(
      rec.run(2, 'n2', { type: 'write', key: 'k', value: 2 }, async () => {
        throw new Error('ECONNRESET');
      }),
      /ECONNRESET/,
    );
    const failed = await rec.run(3, 'n3', { type: 'cas', key: 'k', expected: 9, value: 3 }, async () => ({
      outcome: 'fail',
      error: '400',
    }));
    assert.equal(failed.outcome, 'fail');
    assert.deepEqual(
      rec.history().map((op) => [op.outcome, op.error ?? null]),
      [
        ['ok', null],
        ['info', 'ECONNRESET'],
        ['fail', '400'],
      ],
    );
  });

  void it('streams JSON lines that load back identically, bigint times included', async () => {
    const file = join(dir, 'roundtrip.jsonl');
    const rec = new HistoryRecorder({ file, clock: fakeClock(2n ** 60n) });
    const p1 = rec.invoke(
      'client-a',
      { type: 'cas', key: 'k', expected: null, value: { nested: [1, 'x'] } },
      'n3',
    );
    const p2 = rec.invoke(7, { type: 'read', key: 'k' });
    rec.complete(p1, { outcome: 'ok' });
    rec.complete(p2, { outcome: 'ok', result: { nested: [1, 'x'] } });
    await rec.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /"invokeNs":"1152921504606847976"/, 'bigint times are decimal strings');
    const loaded = await loadHistory(file);
    assert.deepEqual(loaded, rec.history());
  });

  void it('close(): records ops still in flight as info, so the artifact is complete', async () => {
    const file = join(dir, 'pending.jsonl');
    const rec = new HistoryRecorder({ file, clock: fakeClock() });
    rec.complete(rec.invoke(1, { type: 'write', key: 'k', value: 'a' }), { outcome: 'ok' });
    rec.invoke(2, { type: 'write', key: 'k', value: 'b' });
    await rec.close();
    await rec.close(); // idempotent
    const loaded = await loadHistory(file);
    assert.deepEqual(
      loaded.map((op) => [op.id, op.outcome]),
      [
        [0, 'ok'],
        [1, 'info'],
      ],
    );
    assert.equal(loaded[1]?.error, 'pending when the recorder closed');
    assert.throws(() => rec.invoke(3, { type: 'read', key: 'k' }), /closed/);
  });

  void it('close() reports a file that could not be written', async () => {
    const rec = new HistoryRecorder({ file: join(dir, 'no-such-dir', 'h.jsonl'), clock: fakeClock() });
    rec.complete(rec.invoke(1, { type: 'read', key: 'k' }), { outcome: 'ok', result: null });
    await assert.rejects(rec.close(), /ENOENT/);
  });
});
