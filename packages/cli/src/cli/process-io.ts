import type { CliIo } from './cli-io.js';
import { CliError } from './cli-error.js';

/** `CliIo` over the real process streams. */
export class ProcessIo implements CliIo {
  private stdinConsumed = false;

  get stdoutIsTTY(): boolean {
    return process.stdout.isTTY === true;
  }

  get stdinIsTTY(): boolean {
    return process.stdin.isTTY === true;
  }

  get stderrIsTTY(): boolean {
    return process.stderr.isTTY === true;
  }

  out(text: string): void {
    process.stdout.write(text);
  }

  err(text: string): void {
    process.stderr.write(text);
  }

  async readStdin(): Promise<string> {
    if (this.stdinConsumed) throw CliError.usage('stdin already consumed');
    this.stdinConsumed = true;
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async promptHidden(prompt: string, promptStream: 'stdout' | 'stderr'): Promise<string> {
    const write = (text: string): void => {
      if (promptStream === 'stdout') this.out(text);
      else this.err(text);
    };
    if (!this.stdinIsTTY) {
      // Not a terminal: nothing to hide; read the first line.
      const text = await this.readStdin();
      return (text.split(/\r?\n/)[0] ?? '').trim();
    }
    write(prompt);
    const stdin = process.stdin;
    return new Promise<string>((resolve, reject) => {
      let answer = '';
      const wasRaw = stdin.isRaw;
      const finish = (err: Error | undefined): void => {
        stdin.off('data', onData);
        stdin.setRawMode(wasRaw);
        stdin.pause();
        write('\n');
        if (err) reject(err);
        else resolve(answer);
      };
      const onData = (chunk: Buffer | string): void => {
        const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
        for (const ch of text) {
          if (ch === '\r' || ch === '\n') return finish(undefined);
          if (ch === '\u0003') return finish(CliError.usage('interrupted'));
          if (ch === '\u0004') {
            if (answer === '') return finish(undefined);
            continue;
          }
          if (ch === '\u007f' || ch === '\b') {
            answer = Array.from(answer).slice(0, -1).join('');
            continue;
          }
          answer += ch;
        }
      };
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', onData);
    });
  }
}
