import { createHash, randomBytes } from 'node:crypto';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

/** Vault's cap on `sys/tools/random` (128 KiB). */
const MAX_RANDOM_BYTES = 128 * 1024;
const SOURCES = new Set(['platform', 'seed', 'all']);
const ALGORITHMS: Readonly<Record<string, string>> = {
  'sha2-224': 'sha224',
  'sha2-256': 'sha256',
  'sha2-384': 'sha384',
  'sha2-512': 'sha512',
  'sha3-224': 'sha3-224',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

function encode(bytes: Buffer, format: string): string {
  if (format === 'hex') return bytes.toString('hex');
  if (format === 'base64') return bytes.toString('base64');
  throw bad(`unsupported encoding format "${format}"; must be "hex" or "base64"`);
}

function random(fields: FieldValues): LogicalResponse {
  let bytes = typeof fields['bytes'] === 'number' ? fields['bytes'] : 32;
  let source = String(fields['source'] ?? 'platform');
  const urlSource = String(fields['urlsource'] ?? '');
  const urlBytes = String(fields['urlbytes'] ?? '');
  // `random/<x>`: a number is the byte count, anything else the source.
  if (urlSource !== '') {
    if (urlBytes === '' && /^\d+$/.test(urlSource)) bytes = Number(urlSource);
    else source = urlSource;
  }
  if (urlBytes !== '') {
    if (!/^\d+$/.test(urlBytes)) throw bad(`error parsing url-set byte count: "${urlBytes}" is not a number`);
    bytes = Number(urlBytes);
  }
  if (!SOURCES.has(source))
    throw bad(`unsupported entropy source "${source}"; must be "platform", "seed" or "all"`);
  if (bytes < 1) throw bad('missing or invalid bytes count');
  if (bytes > MAX_RANDOM_BYTES) throw bad(`requested too many bytes; maximum is ${MAX_RANDOM_BYTES}`);
  const format = String(fields['format'] ?? 'base64');
  return { data: { random_bytes: encode(randomBytes(bytes), format) } };
}

function hash(fields: FieldValues): LogicalResponse {
  const urlAlgorithm = String(fields['urlalgorithm'] ?? '');
  const algorithm = urlAlgorithm !== '' ? urlAlgorithm : String(fields['algorithm'] ?? 'sha2-256');
  const nodeAlgorithm = ALGORITHMS[algorithm];
  if (nodeAlgorithm === undefined) throw bad(`unsupported algorithm ${algorithm}`);
  const input = String(fields['input'] ?? '');
  if (input === '' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(input)) {
    throw bad('unable to decode input as base64');
  }
  const format = String(fields['format'] ?? 'hex');
  const sum = createHash(nodeAlgorithm).update(Buffer.from(input, 'base64')).digest();
  return { data: { sum: encode(sum, format) } };
}

/** `sys/tools/random[/:source][/:bytes]` and `sys/tools/hash[/:algorithm]`. */
export function sysToolsPaths(): PathSpec[] {
  return [
    {
      pattern: 'tools/random(?:/(?<urlsource>[^/]+))?(?:/(?<urlbytes>[^/]+))?',
      fields: {
        bytes: { type: 'int', default: 32, description: 'Number of bytes' },
        format: { type: 'string', default: 'base64', description: 'base64 or hex' },
        source: { type: 'string', default: 'platform', description: 'platform, seed or all' },
        urlsource: { type: 'string', description: 'Source given in the URL' },
        urlbytes: { type: 'string', description: 'Byte count given in the URL' },
      },
      operations: { update: async (_req, f) => random(f) },
    },
    {
      pattern: 'tools/hash(?:/(?<urlalgorithm>[^/]+))?',
      fields: {
        input: { type: 'string', description: 'Base64-encoded input' },
        algorithm: { type: 'string', default: 'sha2-256', description: 'Hash algorithm' },
        urlalgorithm: { type: 'string', description: 'Algorithm given in the URL' },
        format: { type: 'string', default: 'hex', description: 'hex or base64' },
      },
      operations: { update: async (_req, f) => hash(f) },
    },
  ];
}
