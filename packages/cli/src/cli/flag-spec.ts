/** How a Go-style flag takes its value. */
export type FlagKind =
  | 'string'
  | 'bool'
  | 'int'
  /** Seconds; accepts `90`, `1h30m`, `7d`. */
  | 'duration'
  /** Repeatable; each use may also hold a comma-separated list (`-policy=a,b -policy=c`). */
  | 'string-slice'
  /** Repeatable `k=v` pairs (`-metadata=team=ops -metadata=env=prod`). */
  | 'string-map';

/** One flag of a command, named as Vault names it (without dashes: `key-shares`). */
export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly description: string;
  /** Other names accepted for the same flag (e.g. `num-uses` for `use-limit`). */
  readonly aliases?: readonly string[];
  /** Value placeholder shown in help (`<int>`, `<path>`). */
  readonly placeholder?: string;
}

/** True when the flag consumes a value (`-name value` or `-name=value`); bool flags do not. */
export function flagTakesValue(spec: FlagSpec): boolean {
  return spec.kind !== 'bool';
}
