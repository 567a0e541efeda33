import { isJsonObject, jsonProblem, type JsonObject } from './json-value.js';
import { SNAPSHOT_FORMAT_VERSION, MAX_META_BYTES } from './snapshot-format.js';
import { SnapshotError } from './snapshot-error.js';

/** What a snapshot says about the state it holds. Written as JSON in the metadata section. */
export interface SnapshotMeta {
  /** Raft index of the last log entry the state includes (0 for a snapshot outside Raft). */
  readonly index: number;
  /** Raft term of that entry. */
  readonly term: number;
  /** Raft membership (configuration / conf state) at `index`; opaque to this package. */
  readonly configuration: JsonObject;
  /** When the snapshot was taken, RFC 3339 (e.g. `Date.toISOString()`). Time is an input. */
  readonly createdAt: string;
  /** The barrier keyring fingerprint the values are encrypted under; opaque to this package. */
  readonly keyringFingerprint: string;
  /** Free-form operator metadata (cluster id, node name, reason, ...). */
  readonly meta?: JsonObject;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** True for an RFC 3339 date-time (`2024-01-02T03:04:05.678Z`, `2024-01-02T05:04:05+02:00`). */
export function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetOk
  );
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function invalid(message: string): SnapshotError {
  return new SnapshotError('INVALID_INPUT', `invalid snapshot metadata: ${message}`);
}

/**
 * The metadata JSON (UTF-8) for `meta`: members in a fixed order, `meta` omitted when absent.
 * Throws `INVALID_INPUT` for anything that would not read back identically.
 */
export function encodeSnapshotMeta(meta: SnapshotMeta): Buffer {
  if (typeof meta !== 'object' || meta === null) throw invalid('not an object');
  if (!isCount(meta.index)) throw invalid('index must be a non-negative safe integer');
  if (!isCount(meta.term)) throw invalid('term must be a non-negative safe integer');
  if (!isJsonObject(meta.configuration)) throw invalid('configuration must be a JSON object');
  const configProblem = jsonProblem(meta.configuration);
  if (configProblem !== undefined) throw invalid(`configuration contains ${configProblem}`);
  if (typeof meta.createdAt !== 'string' || !isRfc3339(meta.createdAt)) {
    throw invalid('createdAt must be an RFC 3339 date-time');
  }
  if (typeof meta.keyringFingerprint !== 'string') throw invalid('keyringFingerprint must be a string');
  if (meta.meta !== undefined) {
    if (!isJsonObject(meta.meta)) throw invalid('meta must be a JSON object');
    const metaProblem = jsonProblem(meta.meta);
    if (metaProblem !== undefined) throw invalid(`meta contains ${metaProblem}`);
  }
  const json = JSON.stringify({
    format_version: SNAPSHOT_FORMAT_VERSION,
    index: meta.index,
    term: meta.term,
    configuration: meta.configuration,
    created_at: meta.createdAt,
    keyring_fingerprint: meta.keyringFingerprint,
    ...(meta.meta === undefined ? {} : { meta: meta.meta }),
  });
  const bytes = Buffer.from(json, 'utf8');
  if (bytes.length > MAX_META_BYTES) throw invalid(`JSON is ${bytes.length} bytes, over ${MAX_META_BYTES}`);
  return bytes;
}

/**
 * Parses verified metadata JSON. Members this version does not know are ignored. Anything
 * missing or of the wrong type is `MALFORMED` (the checksum already matched, so the writer was
 * wrong, not the disk).
 */
export function decodeSnapshotMeta(bytes: Uint8Array, formatVersion: number, offset: number): SnapshotMeta {
  const malformed = (message: string): SnapshotError =>
    new SnapshotError('MALFORMED', `snapshot metadata ${message}`, offset);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw malformed('is not UTF-8 JSON');
  }
  if (!isJsonObject(parsed)) throw malformed('is not a JSON object');
  const o = parsed;
  if (o['format_version'] !== formatVersion) throw malformed('format_version differs from the header');
  const { index, term, configuration, created_at: createdAt, keyring_fingerprint: fingerprint } = o;
  if (!isCount(index)) throw malformed('index is not a non-negative safe integer');
  if (!isCount(term)) throw malformed('term is not a non-negative safe integer');
  if (!isJsonObject(configuration)) throw malformed('configuration is not a JSON object');
  if (typeof createdAt !== 'string' || !isRfc3339(createdAt)) throw malformed('created_at is not RFC 3339');
  if (typeof fingerprint !== 'string') throw malformed('keyring_fingerprint is not a string');
  const extra = o['meta'];
  if (extra !== undefined && !isJsonObject(extra)) throw malformed('meta is not a JSON object');
  return {
    index,
    term,
    configuration,
    createdAt,
    keyringFingerprint: fingerprint,
    ...(extra === undefined ? {} : { meta: extra }),
  };
}
