import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The HCL fixture corpus: real-world-shaped Vault server configs and policies. */
export function hclFixtures(): { name: string; text: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hcl'))
    .sort()
    .map((name) => ({ name, text: readFileSync(dir + name, 'utf8') }));
}
