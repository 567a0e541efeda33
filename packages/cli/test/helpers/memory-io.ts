import type { CliIo } from '../../src/index.js';

/** An in-memory terminal for running the CLI inside a test. */
export class MemoryIo implements CliIo {
  stdout = '';
  stderr = '';
  readonly prompts: string[] = [];
  private stdin: string | undefined;
  private readonly promptAnswers: string[];
  readonly stdoutIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;

  constructor(
    opts: {
      stdin?: string;
      promptAnswers?: string[];
      stdoutIsTTY?: boolean;
      stdinIsTTY?: boolean;
      stderrIsTTY?: boolean;
    } = {},
  ) {
    this.stdin = opts.stdin;
    this.promptAnswers = [...(opts.promptAnswers ?? [])];
    this.stdoutIsTTY = opts.stdoutIsTTY ?? false;
    this.stdinIsTTY = opts.stdinIsTTY ?? false;
    this.stderrIsTTY = opts.stderrIsTTY ?? false;
  }

  out(text: string): void {
    this.stdout += text;
  }

  err(text: string): void {
    this.stderr += text;
  }

  async readStdin(): Promise<string> {
    if (this.stdin === undefined) throw new Error('test stdin already consumed or not provided');
    const text = this.stdin;
    this.stdin = undefined;
    return text;
  }

  async promptHidden(prompt: string): Promise<string> {
    this.prompts.push(prompt);
    const answer = this.promptAnswers.shift();
    if (answer === undefined) throw new Error(`unexpected prompt: ${prompt}`);
    return answer;
  }
}
