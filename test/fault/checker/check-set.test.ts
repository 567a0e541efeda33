import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSet, type SetAnomalyKind, type SetCheckResult } from './check-set.js';
import { HistoryBuilder } from './history-builder.js';
import type { JsonValue } from './history-op.js';

const kinds = (r: SetCheckResult): SetAnomalyKind[] => r.anomalies.map((a) => a.kind);
const readSet = (
  b: HistoryBuilder,
  p: number,
  key: string,
  elements: JsonValue[],
  span: [number, number],
): HistoryBuilder => b.op(p, { type: 'read', key }, span, 'ok', elements);

void describe('checkSet', () => {
  void it('accepts acknowledged adds all read back, with indeterminate adds present or not', () => {
    const b = new HistoryBuilder()
      .add(1, 's', 'e1', [0, 10])
      .add(2, 's', 'e2', [0, 10], 'info')
      .add(3, 's', 'e3', [0, 10], 'info')
      .add(4, 's', 'e4', [0, 10], 'fail');
    readSet(b, 5, 's', ['e1'], [5, 8]); // concurrent with the adds: may see none or some
    readSet(b, 5, 's', ['e3', 'e1'], [100, 110]);
    const r = checkSet(b.build());
    assert.equal(r.valid, true, JSON.stringify(r.anomalies));
    assert.deepEqual(r.sets, [
      {
        key: 's',
        okAdds: 1,
        infoAdds: 2,
        failAdds: 1,
        reads: 2,
        finalSize: 2,
        infoRecovered: 1,
        okConcurrentWithFinal: 0,
      },
    ]);
  });

  void it('lost: an acknowledged add missing from the final read', () => {
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 10]).add(1, 's', 'e2', [20, 30]);
    readSet(b, 2, 's', ['e1'], [100, 110]);
    const r = checkSet(b.build());
    assert.equal(r.valid, false);
    assert.deepEqual(kinds(r), ['lost']);
    assert.equal(r.anomalies[0]?.element, 'e2');
    assert.match(r.anomalies[0]?.message ?? '', /final .* lacks "e2", acknowledged before it began/);
  });

  void it('an add still in flight when the final read began is not lost', () => {
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 200]);
    readSet(b, 2, 's', [], [100, 110]);
    const r = checkSet(b.build());
    assert.equal(r.valid, true);
    assert.equal(r.sets[0]?.okConcurrentWithFinal, 1);
  });

  void it('duplicate: an element listed twice; duplicate-add: two acknowledged creates', () => {
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 10]).add(2, 's', 'e1', [20, 30]);
    readSet(b, 3, 's', ['e1', 'e1'], [100, 110]);
    assert.deepEqual(kinds(checkSet(b.build())).sort(), ['duplicate', 'duplicate-add']);
  });

  void it('phantom: a never-added element; failed-add-observed: an element whose add failed', () => {
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 10]).add(1, 's', 'e2', [20, 30], 'fail');
    readSet(b, 3, 's', ['e1', 'e2', 'ghost'], [100, 110]);
    const r = checkSet(b.build());
    assert.deepEqual(kinds(r).sort(), ['failed-add-observed', 'phantom']);
    assert.equal(r.anomalies.find((a) => a.kind === 'phantom')?.element, 'ghost');
  });

  void it('future-read: an element read before anyone tried to add it', () => {
    const b = new HistoryBuilder();
    readSet(b, 3, 's', ['e1'], [0, 10]);
    b.add(1, 's', 'e1', [20, 30]);
    readSet(b, 3, 's', ['e1'], [100, 110]);
    assert.deepEqual(kinds(checkSet(b.build())), ['future-read']);
  });

  void it('stale and disappeared intermediate reads (unless intermediate reads are skipped)', () => {
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 10]).add(2, 's', 'e2', [0, 200], 'info');
    readSet(b, 3, 's', [], [20, 30]); // stale: e1 was acknowledged at 10
    readSet(b, 3, 's', ['e1', 'e2'], [40, 50]);
    readSet(b, 3, 's', ['e1'], [60, 70]); // disappeared: e2 was seen at 50
    readSet(b, 3, 's', ['e1', 'e2'], [300, 310]);
    const h = b.build();
    assert.deepEqual(kinds(checkSet(h)), ['stale', 'disappeared']);
    assert.equal(checkSet(h, { checkIntermediateReads: false }).valid, true);
  });

  void it('an element seen by a read and missing from the final read is lost, even if its add was indeterminate', () => {
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 10], 'info');
    readSet(b, 3, 's', ['e1'], [40, 50]);
    readSet(b, 3, 's', [], [100, 110]);
    assert.deepEqual(kinds(checkSet(b.build())), ['lost']);
  });

  void it('unknown without a successful read; caps the anomaly list but counts everything', () => {
    const none = checkSet(new HistoryBuilder().add(1, 's', 'e1', [0, 10]).build());
    assert.equal(none.valid, 'unknown');
    assert.match(none.reason ?? '', /no successful read of set\(s\) s/);
    const b = new HistoryBuilder();
    for (let i = 0; i < 30; i++) b.add(1, 's', `e${i}`, [i * 10, i * 10 + 5]);
    readSet(b, 2, 's', [], [1000, 1010]);
    const r = checkSet(b.build(), { maxAnomalies: 5 });
    assert.equal(r.anomalies.length, 5);
    assert.equal(r.anomalyCount, 30);
  });

  void it('ignores keys without adds, and rejects a non-array set read', () => {
    assert.equal(checkSet(new HistoryBuilder().write(1, 'r', 'a', [0, 10]).build()).sets.length, 0);
    const b = new HistoryBuilder().add(1, 's', 'e1', [0, 10]).read(2, 's', 'e1', [20, 30]);
    assert.throws(() => checkSet(b.build()), /non-array result/);
  });
});
