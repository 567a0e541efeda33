/** Top self-time functions of V8 `.cpuprofile` files (from `node --cpu-prof`), summed per function. */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../packages/server/test/e2e/harness.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Per-file tables: share of samples per function (self time), top `limit`. */
export async function summariseCpuProfiles(dir: string, limit: number): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort();
  const out: string[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<string, number>();
    let totalUs = 0;
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const node = byId.get(samples[i] as number);
      if (node === undefined) continue;
      const dt = deltas[i + 1] ?? 0;
      const f = node.callFrame;
      const url = f.url.startsWith('file://') ? relative(REPO_ROOT, f.url.slice(7)) : f.url;
      const name = `${f.functionName || '(anonymous)'} ${url}${url === '' ? '' : `:${f.lineNumber + 1}`}`;
      selfUs.set(name, (selfUs.get(name) ?? 0) + dt);
      totalUs += dt;
    }
    const idle = [...selfUs.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
    const busy = totalUs - idle;
    const top = [...selfUs.entries()]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit);
    out.push(
      `${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (self time share of busy):`,
    );
    for (const [name, us] of top) out.push(`  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${name}`);
    const byArea = new Map<string, number>();
    for (const [name, us] of selfUs) {
      if (name.startsWith('(idle)')) continue;
      const url = name.slice(name.indexOf(' ') + 1);
      const area =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
        /^packages\/[^/]+\/src\/[^/]+/.exec(url)?.[0] ??
        (url.startsWith('node:')
          ? 'node:' + url.slice(5).split('/')[0]?.split(':')[0]
          : (name.split(' ')[0] ?? ''));
      byArea.set(area, (byArea.get(area) ?? 0) + us);
    }
    const areas = [...byArea.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    out.push(`  by area: ${areas.map(([a, us]) => `${a} ${((100 * us) / busy).toFixed(1)} %`).join(', ')}`);
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('cpu-profile-summary.ts') === true) {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error('usage: cpu-profile-summary.ts <dir> [limit]');
  console.log(await summariseCpuProfiles(dir, Number(process.argv[3] ?? '30')));
}
