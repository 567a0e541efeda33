import { formatOp } from './format-op.js';
import type { HistoryOp, JsonValue, Nanos } from './history-op.js';
import { partitionByKey } from './partition-by-key.js';
import { relativeNs } from './relative-ns.js';
import { valueKey } from './value-key.js';

export type SetAnomalyKind =
  /** A known element (acknowledged add, or seen by an earlier read) is missing from the final read. */
  | 'lost'
  /** A read that began after an add was acknowledged does not contain it. */
  | 'stale'
  /** An element seen by one read is missing from a later read that began after the first ended. */
  | 'disappeared'
  /** One read lists an element more than once. */
  | 'duplicate'
  /** Two adds of the same element were both acknowledged (create-only must refuse the second). */
  | 'duplicate-add'
  /** A read contains an element no op ever added. */
  | 'phantom'
  /** A read contains an element whose only adds definitely failed (4xx): I3. */
  | 'failed-add-observed'
  /** A read contains an element whose adds were all invoked after the read completed. */
  | 'future-read';

export interface SetAnomaly {
  readonly kind: SetAnomalyKind;
  readonly key: string;
  readonly element: JsonValue;
  readonly message: string;
  /** Evidence: the read(s) and add(s) involved. */
  readonly ops: readonly HistoryOp[];
}

export interface SetSummary {
  readonly key: string;
  readonly okAdds: number;
  readonly infoAdds: number;
  readonly failAdds: number;
  readonly reads: number;
  /** Elements in the final read (undefined: no final read). */
  readonly finalSize: number | undefined;
  /** Indeterminate adds whose element is in the final read (they did take effect). */
  readonly infoRecovered: number;
  /** Acknowledged adds still in flight when the final read began: their absence proves nothing. */
  readonly okConcurrentWithFinal: number;
}

export interface SetCheckResult {
  /** 'unknown' when a set has adds but no successful read to judge them by. */
  readonly valid: boolean | 'unknown';
  readonly reason?: string;
  readonly anomalies: readonly SetAnomaly[];
  /** Anomalies found, including those beyond `maxAnomalies`. */
  readonly anomalyCount: number;
  readonly sets: readonly SetSummary[];
}

export interface SetCheckOptions {
  /** Also check reads before the final one (stale, disappeared). Default true. */
  readonly checkIntermediateReads?: boolean;
  /** Anomalies kept in the result (default 100). */
  readonly maxAnomalies?: number;
}

/**
 * Checks grow-only set workloads (W2: create-only keys, or `add` of unique elements; reads
 * return the whole set as an array). A key is a set when it has `add` ops. The final read is
 * the successful read that completed last; run it after healing, with no adds in flight.
 */
export function checkSet(history: readonly HistoryOp[], options: SetCheckOptions = {}): SetCheckResult {
  const intermediate = options.checkIntermediateReads ?? true;
  const maxAnomalies = options.maxAnomalies ?? 100;
  const origin: Nanos = history.length > 0 ? (history[0] as HistoryOp).invokeNs : 0;
  const t = (n: Nanos): number => relativeNs(n, origin);
  const anomalies: SetAnomaly[] = [];
  let anomalyCount = 0;
  const report = (a: SetAnomaly): void => {
    anomalyCount++;
    if (anomalies.length < maxAnomalies) anomalies.push(a);
  };
  const sets: SetSummary[] = [];
  const noFinal: string[] = [];

  for (const [key, ops] of partitionByKey(history)) {
    const adds = ops.filter((op) => op.op.type === 'add');
    if (adds.length === 0) continue;
    const byElement = new Map<
      string,
      { element: JsonValue; ok: HistoryOp[]; info: HistoryOp[]; fail: HistoryOp[]; firstLiveInvoke: number }
    >();
    for (const add of adds) {
      const k = valueKey(add.op.value);
      let e = byElement.get(k);
      if (!e)
        byElement.set(
          k,
          (e = { element: add.op.value ?? null, ok: [], info: [], fail: [], firstLiveInvoke: Infinity }),
        );
      e[add.outcome].push(add);
      if (add.outcome !== 'fail') e.firstLiveInvoke = Math.min(e.firstLiveInvoke, t(add.invokeNs));
    }
    const reads = ops
      .filter((op) => op.op.type === 'read' && op.outcome === 'ok')
      .map((op) => {
        if (!Array.isArray(op.result)) throw new Error(`set read #${op.id} on ${key} has a non-array result`);
        return {
          op,
          elements: (op.result as readonly JsonValue[]).map((v) => valueKey(v)),
          inv: t(op.invokeNs),
          end: t(op.completeNs),
        };
      })
      .sort((a, b) => a.end - b.end);
    const final = reads[reads.length - 1];

    for (const [k, e] of byElement) {
      if (e.ok.length > 1) {
        report({
          kind: 'duplicate-add',
          key,
          element: e.element,
          message: `set ${key}: element ${k} was added successfully ${e.ok.length} times: ${e.ok.map((o) => `#${o.id}`).join(', ')}`,
          ops: e.ok,
        });
      }
    }

    // Per-read content checks.
    const firstSeenEnd = new Map<string, number>();
    for (const r of reads) {
      const counts = new Map<string, { n: number; element: JsonValue }>();
      const raw = r.op.result as readonly JsonValue[];
      r.elements.forEach((k, i) => {
        const c = counts.get(k);
        if (c) c.n++;
        else counts.set(k, { n: 1, element: raw[i] ?? null });
      });
      for (const [k, { n, element }] of counts) {
        const e = byElement.get(k);
        if (n > 1) {
          report({
            kind: 'duplicate',
            key,
            element,
            message: `set ${key}: ${formatOp(r.op, origin)} lists ${k} ${n} times`,
            ops: [r.op],
          });
        }
        if (!e) {
          report({
            kind: 'phantom',
            key,
            element,
            message: `set ${key}: ${formatOp(r.op, origin)} contains ${k}, which was never added`,
            ops: [r.op],
          });
        } else if (e.ok.length === 0 && e.info.length === 0) {
          report({
            kind: 'failed-add-observed',
            key,
            element,
            message: `set ${key}: ${formatOp(r.op, origin)} contains ${k}, whose add definitely failed: ${e.fail.map((o) => formatOp(o, origin)).join('; ')}`,
            ops: [r.op, ...e.fail],
          });
        } else if (e.firstLiveInvoke > r.end) {
          report({
            kind: 'future-read',
            key,
            element,
            message: `set ${key}: ${formatOp(r.op, origin)} contains ${k}, added only after the read completed`,
            ops: [r.op, ...e.ok, ...e.info],
          });
        }
        if (!firstSeenEnd.has(k)) firstSeenEnd.set(k, r.end);
      }
    }

    // Completeness: every element known before a read began must be in it.
    // known(e) = min(end of its first acknowledged add, end of the first read that saw it).
    const known: { k: string; at: number; ackAt: number }[] = [];
    const knownAt = new Map<string, number>();
    for (const [k, e] of byElement) {
      const ackAt = e.ok.reduce((m, a) => Math.min(m, t(a.completeNs)), Infinity);
      const at = Math.min(ackAt, firstSeenEnd.get(k) ?? Infinity);
      if (at < Infinity) {
        known.push({ k, at, ackAt });
        knownAt.set(k, at);
      }
    }
    known.sort((a, b) => a.at - b.at);
    const checked = intermediate ? reads : final ? [final] : [];
    for (const r of checked) {
      let lo = 0;
      let hi = known.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((known[mid] as { at: number }).at < r.inv) lo = mid + 1;
        else hi = mid;
      }
      if (lo === 0) continue;
      const present = new Set(r.elements);
      let presentKnown = 0;
      for (const k of present) if ((knownAt.get(k) ?? Infinity) < r.inv) presentKnown++;
      if (presentKnown >= lo) continue;
      const isFinal = r === final;
      for (let j = 0; j < lo; j++) {
        const { k, ackAt } = known[j] as { k: string; ackAt: number };
        if (present.has(k)) continue;
        const e = byElement.get(k);
        const evidence = [r.op, ...(e?.ok ?? []), ...(e?.info ?? [])];
        const kind: SetAnomalyKind = isFinal ? 'lost' : ackAt < r.inv ? 'stale' : 'disappeared';
        const why = ackAt < r.inv ? 'acknowledged before it began' : 'seen by an earlier read';
        report({
          kind,
          key,
          element: e?.element ?? null,
          message: `set ${key}: ${isFinal ? 'final ' : ''}${formatOp({ ...r.op, result: `[${r.elements.length} elements]` }, origin)} lacks ${k}, ${why}`,
          ops: evidence,
        });
      }
    }

    if (!final) noFinal.push(key);
    let infoRecovered = 0;
    let okConcurrentWithFinal = 0;
    if (final) {
      const present = new Set(final.elements);
      for (const [k, e] of byElement) {
        if (e.ok.length === 0 && e.info.length > 0 && present.has(k)) infoRecovered++;
        if (e.ok.length > 0 && e.ok.every((a) => t(a.completeNs) >= final.inv) && !present.has(k))
          okConcurrentWithFinal++;
      }
    }
    sets.push({
      key,
      okAdds: adds.filter((a) => a.outcome === 'ok').length,
      infoAdds: adds.filter((a) => a.outcome === 'info').length,
      failAdds: adds.filter((a) => a.outcome === 'fail').length,
      reads: reads.length,
      finalSize: final?.elements.length,
      infoRecovered,
      okConcurrentWithFinal,
    });
  }
  if (anomalyCount > 0) return { valid: false, anomalies, anomalyCount, sets };
  if (noFinal.length > 0) {
    return {
      valid: 'unknown',
      reason: `no successful read of set(s) ${noFinal.join(', ')}`,
      anomalies,
      anomalyCount,
      sets,
    };
  }
  return { valid: true, anomalies, anomalyCount, sets };
}
