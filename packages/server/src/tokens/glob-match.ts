/** Vault's policy globs: `*` matches any run of characters, everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '') return value === '';
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (!value.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const at = value.indexOf(part, pos);
    if (at === -1) return false;
    pos = at + part.length;
  }
  return value.length - pos >= last.length && value.endsWith(last);
}
