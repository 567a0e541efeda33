/**
 * One benchmark cell: a closed-loop autocannon load of `seconds` against one HTTP endpoint, with
 * the CPU time the server processes spent during it (/proc/<pid>/stat) and how busy the whole
 * machine was (/proc/stat).
 */
import { readFileSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import autocannon, { type Options, type RawRequest, type Result } from 'autocannon';
import { totalCpuMs } from './process-cpu.js';

export interface LoadSpec {
  /** Base URL, e.g. http://127.0.0.1:8200. */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  /** Path and body of the n-th request (n counts from 0 across the cell). */
  readonly next: (n: number) => { path: string; body?: string };
  /** Server processes whose CPU time is charged to the cell. */
  readonly pids: readonly number[];
}

export interface CellResult {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU-ms (all `pids`) per completed request. */
  readonly cpuMsPerReq: number;
  /** Whole-machine busy share during the cell, 0–100 % of all cores. */
  readonly machineBusyPct: number;
  readonly total: number;
  readonly failed: number;
}

/** [busy, total] jiffies of all CPUs. */
function machineTicks(): [number, number] {
  const line = readFileSync('/proc/stat', 'latin1').split('\n')[0] as string;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}

/** autocannon's callback form, whose instance emits `response` with sub-millisecond latencies. */
const runAutocannon = autocannon as unknown as (
  options: Options,
  done: (err: Error | null, result: Result) => void,
) => EventEmitter;

/** The `p`-th percentile (0–100) of ascending `sorted`. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function runCell(spec: LoadSpec): Promise<CellResult> {
  let n = 0;
  const cpuBefore = totalCpuMs(spec.pids);
  const [busyBefore, totalBefore] = machineTicks();
  const latencies: number[] = [];
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = runAutocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        headers: spec.headers,
        requests: [
          {
            method: spec.method,
            setupRequest: (req: RawRequest): RawRequest => {
              const { path, body } = spec.next(n++);
              return body === undefined ? { ...req, path } : { ...req, path, body };
            },
          },
        ],
      },
      (err, res) => (err === null ? resolve(res) : reject(err)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const cpuMs = totalCpuMs(spec.pids) - cpuBefore;
  const [busyAfter, totalAfter] = machineTicks();
  const ok = result.requests.total - result.non2xx;
  const sorted = Float64Array.from(latencies).sort();
  return {
    reqPerSec: result.duration > 0 ? ok / result.duration : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuMsPerReq: ok > 0 ? cpuMs / ok : NaN,
    machineBusyPct:
      totalAfter > totalBefore ? (100 * (busyAfter - busyBefore)) / (totalAfter - totalBefore) : NaN,
    total: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}
