import { randomBase62 } from '../tokens/random-base62.js';

/** Characters of randomness at the end of a secret lease ID (Vault: 24 base62). */
const SECRET_SUFFIX_LENGTH = 24;

/**
 * Lease IDs as Vault forms them: they start with the request path, so `revoke-prefix` on a mount
 * or a path works. A token lease is `<token path>/h<salted token hash>`
 * (`auth/userpass/login/bob/h5a2…`); a secret lease `<request path>/<24 base62>`.
 */
export function tokenLeaseId(tokenPath: string, saltedId: string): string {
  return `${trimSlashes(tokenPath)}/h${saltedId}`;
}

export function secretLeaseId(requestPath: string): string {
  return `${trimSlashes(requestPath)}/${randomBase62(SECRET_SUFFIX_LENGTH)}`;
}

function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path[start] === '/') start++;
  while (end > start && path[end - 1] === '/') end--;
  return path.slice(start, end);
}
