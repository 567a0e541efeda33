/**
 * The suite's dead-man's switch, run detached (its own session) by `startReaper` (reaper.ts): when the
 * test process is gone and its spec file is still there (the suite was killed, or interrupted
 * before its `after` hook finished), it removes the run's resources and exits. The suite
 * deletes the spec file after its own cleanup, and the reaper then exits doing nothing.
 *
 * Usage: node --import tsx test/compose/harness/reaper-main.ts <spec.json>
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { sleep } from './command.js';
import type { ReaperSpec } from './reaper.js';
import { removeRunResources } from './run-resources.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const say = (m: string): void => void process.stdout.write(`[reaper ${new Date().toISOString()}] ${m}\n`);

async function main(specPath: string): Promise<void> {
  for (;;) {
    if (!existsSync(specPath)) return;
    const spec = JSON.parse(readFileSync(specPath, 'utf8')) as ReaperSpec;
    if (!alive(spec.parentPid)) {
      say(`test process ${spec.parentPid} is gone without cleaning up run ${spec.runId}: cleaning up`);
      const problems = await removeRunResources(spec, say);
      for (const p of problems) say(`problem: ${p}`);
      rmSync(specPath, { force: true });
      say('done');
      return;
    }
    await sleep(1_000);
  }
}

const specPath = process.argv[2];
if (specPath === undefined) {
  process.stderr.write('usage: reaper-main.ts <spec.json>\n');
  process.exitCode = 2;
} else {
  await main(specPath);
}
