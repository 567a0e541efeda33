/**
 * The client token of a request: `X-Vault-Token`, else the value of an `Authorization` header
 * that begins with `Bearer ` (X-Vault-Token wins when both are present), as Vault reads it.
 */
export function clientToken(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): string | undefined {
  const vaultToken = first(headers['x-vault-token']);
  if (vaultToken !== undefined && vaultToken !== '') return vaultToken;
  const authorization = first(headers['authorization']);
  if (authorization !== undefined && authorization.startsWith('Bearer ')) {
    const token = authorization.slice('Bearer '.length).trim();
    if (token !== '') return token;
  }
  return undefined;
}

function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value[0];
}
