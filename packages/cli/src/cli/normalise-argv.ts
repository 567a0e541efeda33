import { CliError } from './cli-error.js';
import { flagTakesValue, type FlagSpec } from './flag-spec.js';

/** One flag occurrence, under its canonical name. `value` is undefined for a bare bool flag. */
export interface FlagOccurrence {
  readonly name: string;
  readonly value: string | undefined;
}

/** The result of reading a command's arguments the way Go's `flag` package does. */
export interface NormalisedArgv {
  readonly flags: readonly FlagOccurrence[];
  readonly positionals: readonly string[];
  /** Flag-looking words after the first positional: Vault does not parse them as flags. */
  readonly trailingFlags: readonly string[];
  /** `-h`, `-help` or `--help` was given. */
  readonly help: boolean;
}

/** Flags Vault's CLI honours anywhere on the command line (before a `--`). */
export interface GlobalFlags {
  readonly format: string | undefined;
  readonly detailed: boolean | undefined;
}

/**
 * Reads Go-style flags: `-name=value`, `-name value`, `--name=value`, bare `-bool`,
 * `-bool=false`. Like Go (and Vault), parsing stops at the first positional argument or at
 * `--`; a lone `-` is a positional (stdin). Unknown flags are a usage error.
 */
export function normaliseArgv(args: readonly string[], specs: readonly FlagSpec[]): NormalisedArgv {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) byName.set(alias, spec);
  }
  const flags: FlagOccurrence[] = [];
  let help = false;
  let i = 0;
  let sawTerminator = false;
  while (i < args.length) {
    const arg = args[i] as string;
    if (arg.length < 2 || !arg.startsWith('-')) break;
    if (arg === '--') {
      sawTerminator = true;
      i += 1;
      break;
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      throw CliError.usage(`bad flag syntax: ${arg}`);
    }
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    let value = eq === -1 ? undefined : body.slice(eq + 1);
    i += 1;
    if (name === 'h' || name === 'help') {
      help = true;
      continue;
    }
    const spec = byName.get(name);
    if (!spec) throw CliError.usage(`flag provided but not defined: -${name}`);
    if (flagTakesValue(spec) && value === undefined) {
      if (i >= args.length) throw CliError.usage(`flag needs an argument: -${name}`);
      value = args[i] as string;
      i += 1;
    }
    flags.push({ name: spec.name, value });
  }
  const positionals = args.slice(i);
  const trailingFlags = sawTerminator ? [] : positionals.filter((a) => a.startsWith('-') && a !== '-');
  return { flags, positionals, trailingFlags, help };
}

function isFlag(arg: string, name: string): boolean {
  return arg === `-${name}` || arg === `--${name}`;
}

function flagValue(arg: string, name: string): string | undefined {
  for (const prefix of [`-${name}=`, `--${name}=`]) {
    if (arg.startsWith(prefix)) return arg.slice(prefix.length);
  }
  return undefined;
}

/**
 * Takes out the flags Vault treats as global wherever they appear: `-format=<f>` (or
 * `-format <f>`) and `-detailed[=bool]`. Vault reads them anywhere before `--` so that
 * `vault read path -format=json` works; we also remove them from the arguments so a
 * trailing `-format=json` is never mistaken for data.
 */
export function extractGlobalFlags(args: readonly string[]): { args: string[]; globals: GlobalFlags } {
  const rest: string[] = [];
  let format: string | undefined;
  let detailed: boolean | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const formatValue = flagValue(arg, 'format');
    if (formatValue !== undefined) {
      format = formatValue;
      continue;
    }
    if (isFlag(arg, 'format')) {
      const next = args[i + 1];
      if (next === undefined) throw CliError.usage('flag needs an argument: -format');
      format = next;
      i += 1;
      continue;
    }
    const detailedValue = flagValue(arg, 'detailed');
    if (detailedValue !== undefined) {
      detailed = parseGoBool(detailedValue) ?? false;
      continue;
    }
    if (isFlag(arg, 'detailed')) {
      detailed = true;
      continue;
    }
    rest.push(arg);
  }
  return { args: rest, globals: { format, detailed } };
}

/** Go's `strconv.ParseBool`; undefined when the text is not a boolean. */
export function parseGoBool(text: string): boolean | undefined {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/** Go's `strconv.ParseInt(s, 0, 64)` for the sizes a CLI flag needs; undefined when invalid. */
export function parseGoInt(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const digits = (m[2] as string).replace(/_/g, '');
  let value: number;
  if (/^0[xX]/.test(digits)) value = Number.parseInt(digits.slice(2), 16);
  else if (/^0[oO]/.test(digits)) value = Number.parseInt(digits.slice(2), 8);
  else if (/^0[bB]/.test(digits)) value = Number.parseInt(digits.slice(2), 2);
  else if (digits.length > 1 && digits.startsWith('0')) value = Number.parseInt(digits.slice(1), 8);
  else value = Number.parseInt(digits, 10);
  if (!Number.isSafeInteger(value)) return undefined;
  return sign * value;
}
