/**
 * Vault's policy-list normalisation: trim and lower-case every name, drop empty names, collapse
 * to just `root` when root is present, optionally add `default`, de-duplicate and sort.
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const names = new Set<string>();
  for (const raw of policies) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'root') return ['root'];
    names.add(name);
  }
  if (addDefault) names.add('default');
  return [...names].sort();
}
