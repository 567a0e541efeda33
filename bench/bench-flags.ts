/** Command-line flags of the cluster benchmarks: `--name N`, `--name=N` and boolean `--name`. */

/** The value of `--name` (as `--name=V` or `--name V`), or undefined. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

/** `--name` as a positive number, or `fallback`. */
export function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  const raw = flagValue(argv, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

export function boolFlag(argv: readonly string[], name: string): boolean {
  return argv.includes(`--${name}`);
}
