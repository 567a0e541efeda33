import type { FlagKind } from './flag-spec.js';

/** A parsed flag value: what each `FlagKind` turns into. */
export type FlagValue = string | boolean | number | readonly string[] | Readonly<Record<string, string>>;

/** Typed access to the flags given to one command, by Vault's flag names. */
export class ParsedFlags {
  private readonly values: ReadonlyMap<string, FlagValue>;
  private readonly kinds: ReadonlyMap<string, FlagKind>;

  constructor(values: ReadonlyMap<string, FlagValue>, kinds: ReadonlyMap<string, FlagKind>) {
    this.values = values;
    this.kinds = kinds;
  }

  /** True when the flag was given on the command line. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  private get(name: string, kind: FlagKind): FlagValue | undefined {
    const declared = this.kinds.get(name);
    if (declared === undefined) throw new Error(`flag -${name} is not declared for this command`);
    if (declared !== kind) throw new Error(`flag -${name} is a ${declared} flag, not ${kind}`);
    return this.values.get(name);
  }

  string(name: string): string | undefined {
    const v = this.get(name, 'string');
    return typeof v === 'string' ? v : undefined;
  }

  bool(name: string, fallback = false): boolean {
    const v = this.get(name, 'bool');
    return typeof v === 'boolean' ? v : fallback;
  }

  int(name: string): number | undefined {
    const v = this.get(name, 'int');
    return typeof v === 'number' ? v : undefined;
  }

  /** Seconds. */
  duration(name: string): number | undefined {
    const v = this.get(name, 'duration');
    return typeof v === 'number' ? v : undefined;
  }

  list(name: string): readonly string[] {
    const v = this.get(name, 'string-slice');
    return Array.isArray(v) ? (v as readonly string[]) : [];
  }

  map(name: string): Readonly<Record<string, string>> {
    const v = this.get(name, 'string-map');
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Readonly<Record<string, string>>)
      : {};
  }
}
