import { CliError } from '../cli/cli-error.js';
import type { CliIo } from '../cli/cli-io.js';
import type { VaultSecret } from '../client/vault-api-types.js';
import { formatGoValue } from './go-value-format.js';
import type { OutputFormat } from './output-format.js';
import { rawSecretField } from './raw-field.js';
import {
  mapTableRows,
  renderJson,
  renderKeyValueTable,
  renderKeysTable,
  renderYaml,
  secretTableRows,
  secretToJsonValue,
  sortKeysDeep,
  wrapAtLength,
} from './secret-rendering.js';

function isSecret(value: unknown): value is VaultSecret {
  return typeof value === 'object' && value !== null && 'request_id' in value && 'lease_id' in value;
}

/**
 * Where commands print: results on stdout in the chosen format, warnings and errors on
 * stderr. Mirrors Vault's `OutputSecret`, `OutputData`, `OutputList` and `PrintRawField`.
 */
export class CommandOutput {
  private readonly io: CliIo;
  readonly format: OutputFormat;
  readonly detailed: boolean;

  constructor(io: CliIo, format: OutputFormat, detailed = false) {
    this.io = io;
    this.format = format;
    this.detailed = detailed;
  }

  /** One line on stdout. */
  line(text = ''): void {
    this.io.out(`${text}\n`);
  }

  /** One line on stderr. */
  warn(text: string): void {
    this.io.err(`${text}\n`);
  }

  /** Server warnings of a response, on stderr (table format only, like Vault). */
  warnings(secret: VaultSecret | null): void {
    if (!secret || this.format !== 'table' || !secret.warnings || secret.warnings.length === 0) return;
    this.warn('WARNING! The server returned these warnings:\n');
    for (const w of secret.warnings) {
      this.warn(wrapAtLength(`* ${w}`, 2));
      this.warn('');
    }
  }

  /** A response envelope: Key/Value table, or the whole envelope as JSON/YAML. */
  secret(secret: VaultSecret): void {
    if (this.format === 'table') {
      this.warnings(secret);
      const table = renderKeyValueTable(secretTableRows(secret));
      if (table !== '') this.line(table);
      return;
    }
    this.structured(secretToJsonValue(secret));
  }

  /**
   * Plain data: a map prints as a Key/Value table, an array as a `Keys` list; JSON/YAML print
   * the value itself (maps sorted unless `keepOrder`, for struct-like answers).
   */
  data(value: unknown, keepOrder = false): void {
    if (this.format === 'table') {
      if (Array.isArray(value)) {
        const table = renderKeysTable(value.map((v) => formatGoValue(v)));
        if (table !== '') this.line(table);
        return;
      }
      if (typeof value === 'object' && value !== null) {
        const table = renderKeyValueTable(mapTableRows(value as Record<string, unknown>));
        if (table !== '') this.line(table);
        return;
      }
      this.line(formatGoValue(value));
      return;
    }
    this.structured(keepOrder ? value : sortKeysDeep(value));
  }

  /** A LIST answer: sorted `Keys` table, or the keys array (whole envelope with -detailed). */
  list(secret: VaultSecret): void {
    const keys = Array.isArray(secret.data?.keys)
      ? (secret.data.keys as unknown[]).map((k) => formatGoValue(k))
      : [];
    if (this.format === 'table') {
      this.warnings(secret);
      const table = renderKeysTable(keys);
      if (table !== '') this.line(table);
      return;
    }
    this.structured(this.detailed ? secretToJsonValue(secret) : keys);
  }

  /** JSON or YAML of a value already in output order. */
  structured(value: unknown): void {
    this.line(this.format === 'yaml' ? renderYaml(value) : renderJson(value));
  }

  /**
   * `-field=<name>`: the bare value (`%v`), or its JSON/YAML in those formats. No trailing
   * newline unless stdout is a terminal, so `$(coffer kv get -field=x ...)` is exact.
   * A missing field is a usage error (exit 1).
   */
  field(source: VaultSecret | Readonly<Record<string, unknown>>, name: string): void {
    let value: unknown;
    let kind: string;
    if (isSecret(source)) {
      value = rawSecretField(source, name);
      kind = 'secret';
      this.warnings(source);
    } else {
      value = source[name];
      kind = 'map';
    }
    if (value === undefined || value === null) throw CliError.usage(`Field "${name}" not present in ${kind}`);
    let text: string;
    if (this.format === 'json') text = renderJson(sortKeysDeep(value));
    else if (this.format === 'yaml') text = renderYaml(value);
    else text = formatGoValue(value);
    this.io.out(this.io.stdoutIsTTY ? `${text}\n` : text);
  }
}
