/** The terminal the CLI talks to; tests substitute an in-memory one. */
export interface CliIo {
  readonly stdoutIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** stderr is a terminal (progress of long transfers is shown there). */
  readonly stderrIsTTY: boolean;
  /** Writes text to stdout as is. */
  out(text: string): void;
  /** Writes text to stderr as is. */
  err(text: string): void;
  /** All of stdin as text (read once; later calls fail). */
  readStdin(): Promise<string>;
  /**
   * Asks for a secret: on a terminal the answer is not echoed; otherwise one line is read
   * from stdin. The prompt goes to `promptStream`.
   */
  promptHidden(prompt: string, promptStream: 'stdout' | 'stderr'): Promise<string>;
}
