import type { SeededRandom } from './seeded-random.js';

const IDENTS = [
  'a',
  'b',
  'path',
  'listener',
  'storage',
  'x-y',
  'dotted.key',
  '_under',
  'Path',
  'caps',
  'ключ',
];
const LABELS = ['"tcp"', '"raft"', '"secret/*"', '"a b"', 'ident', '"x\\ty"', '"${var}"', '"é"'];
const STRING_PIECES = [
  'abc',
  ' ',
  '\\n',
  '\\t',
  '\\"',
  '\\\\',
  '\\u00e9',
  '\\x41',
  '\\101',
  '${foo("x")}',
  '$${y}',
  'é',
  '✓',
  '%{z}',
  '/',
  '*',
  '+',
];
const NUMBERS = [
  '0',
  '1',
  '42',
  '-7',
  '0x1f',
  '0XAB',
  '010',
  '-0x10',
  '1.5',
  '-0.25',
  '1e3',
  '2E-2',
  '.5',
  '1.',
  '00.5',
  '1.e2',
  '2147483647',
  '-2147483648',
];

/**
 * A random HCL1 document for differential tests: blocks with labels, assignments of every value
 * kind (numbers in all notations, strings with escapes and interpolations, heredocs, nested
 * lists and objects), repeated keys, comments and optional commas. Usually valid; sometimes
 * contains conflicts (the same key as a block and as a scalar) that HCL1 rejects when decoding.
 */
export function randomHclDocument(rnd: SeededRandom): string {
  return items(rnd, 0, rnd.int(6) + 1);
}

function items(rnd: SeededRandom, depth: number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let item = item1(rnd, depth);
    if (rnd.chance(0.15)) item += rnd.pick([' # note', ' // note', ' /* c */']);
    out.push(item);
    out.push(rnd.pick(['\n', '\n', ' ', ',\n', '\n\n']));
  }
  return out.join('');
}

function item1(rnd: SeededRandom, depth: number): string {
  const key = rnd.chance(0.2) ? `"${str(rnd)}"` : rnd.pick(IDENTS);
  if (depth < 3 && rnd.chance(0.3)) {
    const labels = Array.from({ length: rnd.int(3) }, () => rnd.pick(LABELS));
    return `${[key, ...labels].join(' ')} {${rnd.chance(0.5) ? '\n' : ' '}${items(rnd, depth + 1, rnd.int(4))}}`;
  }
  return `${key} = ${value(rnd, depth)}`;
}

function str(rnd: SeededRandom): string {
  return Array.from({ length: rnd.int(5) }, () => rnd.pick(STRING_PIECES)).join('');
}

function value(rnd: SeededRandom, depth: number): string {
  const kind = rnd.int(depth < 3 ? 8 : 5);
  switch (kind) {
    case 0:
    case 1:
      return rnd.pick(NUMBERS);
    case 2:
      return rnd.pick(['true', 'false']);
    case 3:
      return `"${str(rnd)}"`;
    case 4: {
      const lines = Array.from({ length: rnd.int(3) }, () =>
        rnd.pick(['text', '  indented', 'EOFX', '', '${x}']),
      );
      if (rnd.chance(0.5)) return `<<EOF\n${lines.map((l) => l + '\n').join('')}EOF\n`;
      const indent = rnd.pick([' ', '  ', '\t']);
      return `<<-EOT\n${lines.map((l) => indent + l + '\n').join('')}${indent}EOT\n`;
    }
    case 5:
    case 6: {
      const elements = Array.from({ length: rnd.int(4) }, () => value(rnd, depth + 1));
      return `[${elements.join(rnd.pick([', ', ',\n', ' ,']))}${rnd.chance(0.3) ? ',' : ''}]`;
    }
    default:
      return `{${rnd.chance(0.5) ? '\n' : ' '}${items(rnd, depth + 1, rnd.int(3))}}`;
  }
}
