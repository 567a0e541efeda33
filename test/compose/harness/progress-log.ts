/**
 * What the suite did and how long it took, printed as it goes (stderr, so it shows through
 * node's test runner) and summed up at the end.
 */
export class ProgressLog {
  readonly #start = Date.now();
  readonly #timings: { label: string; ms: number }[] = [];
  readonly #facts: { label: string; value: string }[] = [];

  say(message: string): void {
    const t = ((Date.now() - this.#start) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[compose ${t}s] ${message}\n`);
  }

  /** Runs `fn`, records how long it took under `label`, and says so. */
  async time<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    this.say(`${label}...`);
    try {
      const value = await fn();
      const ms = Date.now() - started;
      this.#timings.push({ label, ms });
      this.say(`${label}: done in ${(ms / 1000).toFixed(1)} s`);
      return value;
    } catch (err) {
      this.say(`${label}: FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      throw err;
    }
  }

  /** Records a timing measured elsewhere (e.g. failover time from a kill to a new active node). */
  record(label: string, ms: number): void {
    this.#timings.push({ label, ms });
    this.say(`${label}: ${(ms / 1000).toFixed(2)} s`);
  }

  fact(label: string, value: string): void {
    this.#facts.push({ label, value });
    this.say(`${label}: ${value}`);
  }

  summary(): string {
    const width = Math.max(
      10,
      ...this.#timings.map((t) => t.label.length),
      ...this.#facts.map((f) => f.label.length),
    );
    const lines = [
      '==== compose suite summary ====',
      ...this.#timings.map((t) => `${t.label.padEnd(width)}  ${(t.ms / 1000).toFixed(2).padStart(8)} s`),
      ...this.#facts.map((f) => `${f.label.padEnd(width)}  ${f.value}`),
      `${'total'.padEnd(width)}  ${((Date.now() - this.#start) / 1000).toFixed(2).padStart(8)} s`,
    ];
    return lines.join('\n');
  }
}
