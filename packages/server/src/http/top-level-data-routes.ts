/**
 * Vault's legacy "top-level injection": for these sys routes the keys of `data` are also
 * copied to the top level of the JSON response (so `{"policies":[...]}` works for old clients).
 * Paths are full API paths after `/v1/`.
 */
const EXACT = new Set([
  'sys/audit',
  'sys/auth',
  'sys/config/cors',
  'sys/config/auditing/request-headers',
  'sys/capabilities',
  'sys/capabilities-accessor',
  'sys/capabilities-self',
  'sys/ha-status',
  'sys/key-status',
  'sys/mounts',
  'sys/policy',
  'sys/rekey/backup',
  'sys/rekey/recovery-key-backup',
  'sys/remount',
  'sys/rotate',
  'sys/wrapping/wrap',
]);

const PREFIXES = [
  'sys/audit/',
  'sys/audit-hash/',
  'sys/auth/',
  'sys/config/auditing/request-headers/',
  'sys/mounts/',
  'sys/policy/',
];

export function injectsDataAtTopLevel(path: string): boolean {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return EXACT.has(trimmed) || PREFIXES.some((p) => path.startsWith(p));
}
