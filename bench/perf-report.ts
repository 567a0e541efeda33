/** Formatting of benchmark tables and the dated run records appended to docs/performance.md. */
import { execSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { REPO_ROOT } from '../packages/server/test/e2e/harness.js';

export const PERFORMANCE_DOC = join(REPO_ROOT, 'docs/performance.md');

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** A markdown table with right-aligned numeric columns. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** One line describing where and when a run happened: date, commit, load, node version. */
export function runEnvironment(extra: Record<string, string> = {}): string {
  const commit = sh('git rev-parse --short HEAD');
  const dirty = sh('git status --porcelain --untracked-files=no') === '' ? '' : ' (+ uncommitted changes)';
  const load = sh('uptime').replace(/^.*load average:\s*/, '');
  const parts = [
    `commit ${commit}${dirty}`,
    `node ${process.version}`,
    ...Object.entries(extra).map(([k, v]) => `${k} ${v}`),
    `load average before ${load}`,
  ];
  return parts.join(', ');
}

const DOC_HEADER = `# Performance

Measured numbers, appended by \`npm run bench:cluster\` and \`npm run bench:scale\` (newest last).
See the "Method" section for what the columns mean and the "Notes" section for analysis.

`;

/** Appends a dated section to docs/performance.md (created with a header if missing). */
export async function appendToPerformanceDoc(title: string, body: string): Promise<void> {
  const exists = await readFile(PERFORMANCE_DOC, 'utf8').then(
    () => true,
    () => false,
  );
  if (!exists) await writeFile(PERFORMANCE_DOC, DOC_HEADER);
  const stamp = new Date().toISOString().replace('T', ' ').slice(0, 16);
  await appendFile(PERFORMANCE_DOC, `\n## ${title}, ${stamp} UTC\n\n${body.trim()}\n`);
  // Keep the file as `npm run lint` (prettier --check) wants it.
  const text = await readFile(PERFORMANCE_DOC, 'utf8');
  const options = (await resolveConfig(PERFORMANCE_DOC)) ?? {};
  await writeFile(PERFORMANCE_DOC, await format(text, { ...options, filepath: PERFORMANCE_DOC }));
}

export const fmt = {
  int: (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–'),
  ms: (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '–'),
  ratio: (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'),
  pct: (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} %` : '–'),
};
