import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const REAPER = new URL('./reap-children.ts', import.meta.url).href;

/** True once `pid` is gone (or a zombie nobody reaps yet: it runs nothing either). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (gone(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return gone(pid);
}

/**
 * Starts a test-like process that spawns a long-running child through `reapOnExit`, prints the
 * child's pid, then ends the way `end` says; resolves with the grandchild's pid and how the
 * middle process ended.
 */
async function run(
  end: 'SIGTERM' | 'SIGINT' | 'exit' | 'graceful',
): Promise<{ pid: number; code: number | null; signal: string | null }> {
  const script = `
    import { spawn } from 'node:child_process';
    import { reapOnExit } from ${JSON.stringify(REAPER)};
    // A graceful teardown of its own (as the benchmarks and the fault suite have) exits later.
    if (${JSON.stringify(end)} === 'graceful') process.once('SIGTERM', () => setTimeout(() => process.exit(3), 100));
    const child = reapOnExit(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' }));
    process.stdout.write(child.pid + '\\n');
    if (${JSON.stringify(end)} === 'exit') setTimeout(() => process.exit(0), 200);
    else setInterval(() => {}, 1e6);
  `;
  const middle = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  middle.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    middle.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 30_000;
  while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const pid = Number(out.trim());
  try {
    assert.ok(pid > 0, `no child pid printed: ${JSON.stringify(out)}`);
    if (end !== 'exit') middle.kill(end === 'graceful' ? 'SIGTERM' : end);
    return { pid, ...(await exited) };
  } finally {
    middle.kill('SIGKILL');
  }
}

/** Asserts the grandchild goes away; kills it if it did not, so a failing test leaks nothing. */
async function assertReaped(pid: number): Promise<void> {
  const reaped = await waitGone(pid, 5_000);
  if (!reaped) process.kill(pid, 'SIGKILL');
  assert.ok(reaped, `child ${pid} still running`);
}

void describe('reapOnExit', () => {
  for (const end of ['SIGTERM', 'SIGINT'] as const) {
    void it(`kills the child when the test process gets ${end}, then dies of ${end}`, async () => {
      const { pid, signal } = await run(end);
      await assertReaped(pid);
      assert.equal(signal, end);
    });
  }
  void it('kills the child when the test process exits', async () => {
    const { pid, signal } = await run('exit');
    await assertReaped(pid);
    assert.equal(signal, null);
  });
  void it("leaves a SIGTERM to the process's own handler, and kills the child when that one exits", async () => {
    const { pid, code, signal } = await run('graceful');
    await assertReaped(pid);
    assert.deepEqual({ code, signal }, { code: 3, signal: null });
  });
});
