import type { CliIo } from './cli-io.js';

/** `1536` → `1.5 KiB`; bytes below 1 KiB as `512 B`. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit] as string}`;
}

export interface TransferProgressOptions {
  readonly io: CliIo;
  /** What is happening, e.g. `Downloading snapshot`. */
  readonly label: string;
  /** Expected size in bytes, when known. */
  readonly total?: number | undefined;
  /** Whether to report at all (`-progress`, or stderr is a terminal). */
  readonly enabled: boolean;
  /** Milliseconds between reports, and before the first one (default 1000). */
  readonly intervalMs?: number;
}

/**
 * Progress of a long transfer on stderr: nothing for a transfer that ends within the first
 * interval, then one report per interval (bytes so far, of the total when known). On a
 * terminal the report rewrites one line; otherwise each report is its own line.
 */
export class TransferProgress {
  private readonly options: TransferProgressOptions;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private shown = false;

  constructor(options: TransferProgressOptions) {
    this.options = options;
    if (options.enabled) {
      this.timer = setInterval(() => this.report(), options.intervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Records the bytes transferred so far. */
  update(bytes: number): void {
    this.bytes = bytes;
  }

  /** Stops reporting; ends the terminal line if a report was shown. */
  finish(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) {
      this.report();
      if (this.options.io.stderrIsTTY) this.options.io.err('\n');
    }
  }

  private report(): void {
    const { io, label, total } = this.options;
    const seconds = Math.round((Date.now() - this.started) / 1000);
    let text = `${label}: ${formatBytes(this.bytes)}`;
    if (total !== undefined && total > 0) {
      text += ` of ${formatBytes(total)} (${Math.min(100, Math.floor((this.bytes / total) * 100))}%)`;
    }
    text += `, ${seconds}s`;
    io.err(io.stderrIsTTY ? `\r${text}\u001b[K` : `${text}\n`);
    this.shown = true;
  }
}
