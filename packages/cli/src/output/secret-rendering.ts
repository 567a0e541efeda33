import { stringify as yamlStringify } from 'yaml';
import { humanDuration } from '../cli/go-duration.js';
import type { VaultSecret } from '../client/vault-api-types.js';
import { formatColumns, formatTable } from './column-table.js';
import { goTimeString } from './go-time-string.js';
import { formatGoQuotedList, formatGoValue } from './go-value-format.js';

/**
 * Pure renderers for Vault's three output formats. Tables follow Vault's layout (Key/Value
 * with durations humanised); JSON and YAML follow Go's encoders (struct fields in order, map
 * keys sorted, two-space indent).
 */

/** Keys whose integer values Vault shows as durations (`ttl`, `*_ttl`, `period`, ...). */
export function looksLikeDuration(key: string): boolean {
  return (
    key === 'period' ||
    key.endsWith('_period') ||
    key === 'ttl' ||
    key.endsWith('_ttl') ||
    key === 'duration' ||
    key.endsWith('_duration') ||
    key === 'lease_max' ||
    key === 'ttl_max'
  );
}

function humanDurationValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return humanDuration(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return humanDuration(Number.parseInt(value, 10));
  return value;
}

/** Copy of a JSON value with every object's keys sorted (Go marshals maps that way). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeysDeep(v));
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj).sort()) out[key] = sortKeysDeep(obj[key]);
    return out;
  }
  return value;
}

/** The envelope as Go's `api.Secret` marshals it: fixed field order, maps sorted, empty optional blocks omitted. */
export function secretToJsonValue(secret: VaultSecret): Record<string, unknown> {
  const out: Record<string, unknown> = {
    request_id: secret.request_id,
    lease_id: secret.lease_id,
    lease_duration: secret.lease_duration,
    renewable: secret.renewable,
    data: secret.data === null ? null : sortKeysDeep(secret.data),
    warnings: secret.warnings,
  };
  if (secret.wrap_info) out.wrap_info = secret.wrap_info;
  if (secret.auth) out.auth = secret.auth;
  if (secret.mount_type) out.mount_type = secret.mount_type;
  return out;
}

/** Two-space indented JSON (no trailing newline). */
export function renderJson(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2);
}

/** YAML with sorted keys and Go-style unindented sequences (no trailing newline). */
export function renderYaml(value: unknown): string {
  return yamlStringify(sortKeysDeep(value ?? null), { indentSeq: false, lineWidth: 0 }).trim();
}

/** `Key | Value` rows of a response envelope, in Vault's order. */
export function secretTableRows(secret: VaultSecret): string[][] {
  const rows: string[][] = [];
  if (secret.lease_duration > 0) {
    if (secret.lease_id !== '') {
      rows.push(['lease_id', secret.lease_id]);
      rows.push(['lease_duration', humanDuration(secret.lease_duration)]);
      rows.push(['lease_renewable', String(secret.renewable)]);
    } else {
      rows.push(['refresh_interval', humanDuration(secret.lease_duration)]);
    }
  }
  const auth = secret.auth;
  if (auth) {
    rows.push(['token', auth.client_token ?? '']);
    rows.push(['token_accessor', auth.accessor ?? '']);
    rows.push(['token_duration', auth.lease_duration > 0 ? humanDuration(auth.lease_duration) : '∞']);
    rows.push(['token_renewable', String(auth.renewable === true)]);
    rows.push(['token_policies', formatGoQuotedList(auth.token_policies)]);
    rows.push(['identity_policies', formatGoQuotedList(auth.identity_policies)]);
    rows.push(['policies', formatGoQuotedList(auth.policies)]);
    const meta = auth.metadata ?? {};
    for (const key of Object.keys(meta).sort()) rows.push([`token_meta_${key}`, formatGoValue(meta[key])]);
  }
  const wrap = secret.wrap_info;
  if (wrap) {
    // Vault prints these keys with a colon.
    rows.push(['wrapping_token:', wrap.token]);
    rows.push(['wrapping_accessor:', wrap.accessor]);
    rows.push(['wrapping_token_ttl:', humanDuration(wrap.ttl)]);
    rows.push(['wrapping_token_creation_time:', goTimeString(wrap.creation_time)]);
    rows.push(['wrapping_token_creation_path:', wrap.creation_path]);
    if (wrap.wrapped_accessor) rows.push(['wrapped_accessor:', wrap.wrapped_accessor]);
  }
  if (secret.data) rows.push(...mapTableRows(secret.data));
  return rows;
}

/** `Key | Value` rows of a map, keys sorted, duration-like keys humanised. */
export function mapTableRows(data: Readonly<Record<string, unknown>>): string[][] {
  return Object.keys(data)
    .sort()
    .map((key) => {
      const raw = data[key];
      return [key, formatGoValue(looksLikeDuration(key) ? humanDurationValue(raw) : raw)];
    });
}

/** A Key/Value table, or '' when there are no rows (Vault prints nothing then). */
export function renderKeyValueTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  return formatTable(['Key', 'Value'], rows);
}

/** The `Keys` table of a LIST answer, sorted. */
export function renderKeysTable(keys: readonly string[]): string {
  if (keys.length === 0) return '';
  return formatTable(
    ['Keys'],
    [...keys].sort().map((k) => [k]),
  );
}

/** `== Title ==` padded with equal signs to `totalLen` (Vault's section headers). */
export function padEqualSigns(title: string, totalLen: number): string {
  let signs = totalLen - (title.length + 2);
  if (signs <= 0) signs = 4;
  if (signs % 2 !== 0) signs += 1;
  const side = '='.repeat(signs / 2);
  return `${side} ${title} ${side}`;
}

/** Section header sized for a Key/Value table of `data` (longest key + 4 + len("Value")). */
export function headerForMap(title: string, data: Readonly<Record<string, unknown>>): string {
  const maxKey = Object.keys(data).reduce((m, k) => Math.max(m, k.length), 0);
  return padEqualSigns(title, maxKey + 4 + 5);
}

/** Seal-status table rows (`vault status`, `operator unseal`). */
export function sealStatusRows(status: Readonly<Record<string, unknown>>): string[][] {
  const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
  const sealed = status.sealed === true;
  const prefix = status.recovery_seal === true ? 'Recovery ' : '';
  const rows: string[][] = [
    [`${prefix}Seal Type`, str(status.type)],
    ['Initialized', String(status.initialized === true)],
    ['Sealed', String(sealed)],
    [`Total ${prefix}Shares`, str(status.n ?? 0)],
    ['Threshold', str(status.t ?? 0)],
  ];
  if (sealed) {
    rows.push(['Unseal Progress', `${str(status.progress ?? 0)}/${str(status.t ?? 0)}`]);
    rows.push(['Unseal Nonce', str(status.nonce)]);
  }
  if (status.migration === true) rows.push(['Seal Migration in Progress', 'true']);
  rows.push(['Version', str(status.version)]);
  rows.push(['Build Date', str(status.build_date)]);
  rows.push(['Storage Type', str(status.storage_type)]);
  if (str(status.cluster_name) !== '' && str(status.cluster_id) !== '') {
    rows.push(['Cluster Name', str(status.cluster_name)]);
    rows.push(['Cluster ID', str(status.cluster_id)]);
  }
  const haEnabled = status.ha_enabled === true;
  rows.push(['HA Enabled', String(haEnabled)]);
  if (haEnabled && !sealed) {
    rows.push(['HA Cluster', str(status.leader_cluster_address)]);
    const isSelf = status.is_self === true;
    rows.push(['HA Mode', isSelf ? 'active' : 'standby']);
    const activeTime = str(status.active_time);
    if (isSelf && activeTime !== '' && !activeTime.startsWith('0001-01-01'))
      rows.push(['Active Since', activeTime]);
    if (!isSelf) rows.push(['Active Node Address', str(status.leader_address) || '<none>']);
    if (status.performance_standby === true) {
      rows.push(['Performance Standby Node', 'true']);
      rows.push([
        'Performance Standby Last Remote WAL',
        str(status.performance_standby_last_remote_wal ?? 0),
      ]);
    }
  }
  if (Number(status.raft_committed_index ?? 0) > 0)
    rows.push(['Raft Committed Index', str(status.raft_committed_index)]);
  if (Number(status.raft_applied_index ?? 0) > 0)
    rows.push(['Raft Applied Index', str(status.raft_applied_index)]);
  if (Number(status.last_wal ?? 0) > 0) rows.push(['Last WAL', str(status.last_wal)]);
  const warnings = status.warnings;
  if (Array.isArray(warnings) && warnings.length > 0) rows.push(['Warnings', formatGoValue(warnings)]);
  return rows;
}

/** Key-status lines (`operator key-status`, `operator rotate`), no header. */
export function renderKeyStatus(status: {
  term: number;
  install_time: string;
  encryptions?: number | undefined;
}): string {
  const rows = [
    ['Key Term', String(status.term)],
    ['Install Time', formatRfc822(status.install_time)],
  ];
  if (status.encryptions !== undefined) rows.push(['Encryption Count', String(status.encryptions)]);
  return formatColumns(rows);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's RFC822 layout in UTC (`02 Jan 06 15:04 UTC`); the input as is when it is not a date. */
export function formatRfc822(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** Wraps `text` at 80 columns with `pad` spaces of indent (Vault's warning layout). */
export function wrapAtLength(text: string, pad = 0): string {
  const width = 80 - pad;
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines.map((l) => (l === '' ? l : ' '.repeat(pad) + l)).join('\n');
}
