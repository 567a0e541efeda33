import { runCli, type RunCliOptions } from '../../src/index.js';
import { MemoryIo } from './memory-io.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly io: MemoryIo;
}

/** Runs `coffer <args>` in-process with an in-memory terminal. */
export async function runInProcess(
  args: string[],
  env: Record<string, string>,
  opts: {
    stdin?: string;
    promptAnswers?: string[];
    stdinIsTTY?: boolean;
    stderrIsTTY?: boolean;
    runServer?: RunCliOptions['runServer'];
  } = {},
): Promise<CliRun> {
  const io = new MemoryIo({
    stdin: opts.stdin,
    promptAnswers: opts.promptAnswers,
    stdinIsTTY: opts.stdinIsTTY,
    stderrIsTTY: opts.stderrIsTTY,
  });
  const code = await runCli(args, { io, env, ...(opts.runServer ? { runServer: opts.runServer } : {}) });
  return { code, stdout: io.stdout, stderr: io.stderr, io };
}
