import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toHistoryLine } from './history-line.js';
import type { HistoryOp } from './history-op.js';
import { loadHistory } from './load-history.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const op = (id: number, extra: Partial<HistoryOp> = {}): HistoryOp => ({
  id,
  process: 1,
  op: { type: 'write', key: 'k', value: `v${id}` },
  invokeNs: id * 10,
  completeNs: id * 10 + 5,
  outcome: 'ok',
  ...extra,
});

void describe('loadHistory', () => {
  void it('sorts by id, skips blank lines, keeps number times as numbers', async () => {
    const file = join(dir, 'numbers.jsonl');
    writeFileSync(
      file,
      [
        toHistoryLine(op(2)),
        '',
        toHistoryLine(op(0)),
        toHistoryLine(op(1, { outcome: 'fail', error: '403' })),
      ].join('\n') + '\n',
    );
    const h = await loadHistory(file);
    assert.deepEqual(
      h.map((o) => o.id),
      [0, 1, 2],
    );
    assert.equal(h[0]?.invokeNs, 0);
    assert.equal(h[1]?.error, '403');
  });

  void it('names the file and line of a malformed record', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      `${toHistoryLine(op(0))}\n{"id":1,"process":1,"op":{"type":"frobnicate","key":"k"},"invokeNs":1,"completeNs":2,"outcome":"ok"}\n${toHistoryLine(op(2))}\n`,
    );
    await assert.rejects(loadHistory(file), /bad\.jsonl:2: history line: bad op type frobnicate/);
  });

  void it('rejects bad outcomes and times', async () => {
    const file = join(dir, 'bad2.jsonl');
    writeFileSync(
      file,
      '{"id":0,"process":1,"op":{"type":"read","key":"k"},"invokeNs":"12x","completeNs":2,"outcome":"ok"}\n',
    );
    await assert.rejects(loadHistory(file), /invokeNs must be a number or a decimal string/);
    writeFileSync(
      file,
      '{"id":0,"process":1,"op":{"type":"read","key":"k"},"invokeNs":1,"completeNs":2,"outcome":"maybe"}\n',
    );
    await assert.rejects(loadHistory(file), /bad outcome maybe/);
  });

  void it('drops a torn last line only when asked to', async () => {
    const file = join(dir, 'torn.jsonl');
    const full = toHistoryLine(op(1));
    writeFileSync(file, `${toHistoryLine(op(0))}\n${full.slice(0, full.length / 2)}`);
    await assert.rejects(loadHistory(file), /torn\.jsonl:2/);
    const h = await loadHistory(file, { tolerateTornTail: true });
    assert.equal(h.length, 1);
  });
});
