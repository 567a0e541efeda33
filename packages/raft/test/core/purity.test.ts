// The raft core is pure and deterministic: time and randomness come in from outside, and it does
// no I/O. The lint config forbids these too; this test fails even if lint is not run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const coreDir = fileURLToPath(new URL('../../src/core/', import.meta.url));

const banned: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'Date.now', pattern: /\bDate\s*\.\s*now\b/ },
  { what: 'new Date', pattern: /\bnew\s+Date\b/ },
  { what: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { what: 'setTimeout', pattern: /\bsetTimeout\b/ },
  { what: 'setInterval', pattern: /\bsetInterval\b/ },
  { what: 'setImmediate', pattern: /\bsetImmediate\b/ },
  { what: 'performance.now', pattern: /\bperformance\s*\.\s*now\b/ },
  { what: 'process', pattern: /\bprocess\s*\./ },
  { what: 'node: import', pattern: /\bfrom\s+['"]node:|\bimport\s*\(\s*['"]node:|\brequire\s*\(/ },
];

/** Source text without comments, so prose may mention what code must not use. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

void test('src/core uses no clock, no randomness, no timers, no process and no node: modules', () => {
  const files = sourceFiles(coreDir);
  assert.ok(files.length >= 10, `expected the core sources under ${coreDir}`);
  const found: string[] = [];
  for (const file of files) {
    const text = code(readFileSync(file, 'utf8'));
    for (const { what, pattern } of banned) {
      if (pattern.test(text)) found.push(`${file}: ${what}`);
    }
  }
  assert.deepEqual(found, []);
});

void test('the purity scan itself detects each banned construct', () => {
  const samples = [
    'const t = Date.now();',
    'const d = new Date();',
    'const r = Math.random();',
    'setTimeout(f, 1);',
    'setInterval(f, 1);',
    "import { readFile } from 'node:fs';",
    'const e = process.env.X;',
  ];
  for (const s of samples) {
    assert.ok(
      banned.some(({ pattern }) => pattern.test(code(s))),
      `not detected: ${s}`,
    );
  }
  assert.ok(!banned.some(({ pattern }) => pattern.test(code('// Date.now is banned here'))));
});
