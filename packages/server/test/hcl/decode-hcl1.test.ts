import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHcl1, HclSyntaxError, parseHcl } from '../../src/hcl/index.js';
import { hclFixtures } from './fixtures.js';
import { loadHcl1Oracle } from './hcl1-oracle.js';
import { randomHclDocument } from './random-hcl-document.js';
import { SeededRandom } from './seeded-random.js';

const oracle = loadHcl1Oracle();

/** Our reference-shape decoding, as JSON would print it; undefined when rejected. */
function ours(text: string): unknown {
  try {
    return JSON.parse(JSON.stringify(decodeHcl1(parseHcl(text)))) as unknown;
  } catch (err) {
    if (err instanceof HclSyntaxError) return undefined;
    throw err;
  }
}

void describe('decodeHcl1 (differential against the reference HCL1 decoder, js-hcl-parser)', () => {
  void it('has a corpus of at least 15 Vault configs and policies', () => {
    assert.ok(hclFixtures().length >= 15);
  });

  for (const { name, text } of hclFixtures()) {
    void it(`decodes fixture ${name} exactly as HCL1 does`, () => {
      const expected = oracle.decode(text);
      assert.notEqual(expected, undefined, 'the reference accepts every fixture');
      assert.deepEqual(ours(text), expected);
    });
  }

  const edgeCases: Record<string, string> = {
    'labelled blocks group under their first key':
      'path "a" { x = 1 }\npath "b" { y = 2 }\npath "a" { z = 3 }',
    'three keys nest': 'foo "a" "b" { x = 1 }\nfoo "a" "c" { y = 2 }',
    'objects are wrapped in arrays except in lists': 'o = { a = 1 }\nl = [{ a = 1 }]\ne = {}',
    'repeated object assignments append': 'o = { a = 1 }\no = { b = 2 }',
    'repeated lists concatenate': 'a = [1]\na = [2, 3]',
    'a list then an object appends the object': 'a = [1]\na = { b = 1 }',
    'repeated scalars keep the first type':
      'a = 1\na = "5"\nb = "x"\nb = 0x1f\nc = true\nc = "0"\nd = 1.5\nd = 010',
    'first keys compare case-insensitively': 'Path "a" { x = 1 }\npath "b" { y = 1 }',
    'keys may be any string': '"" = 1\n"${a}" = 2\n"a\\tb" = 3',
    'integers at the int32 limits': 'a = 2147483647\nb = -2147483648',
  };
  for (const [what, text] of Object.entries(edgeCases)) {
    void it(`edge case: ${what}`, () => {
      const expected = oracle.decode(text);
      assert.notEqual(expected, undefined);
      assert.deepEqual(ours(text), expected);
    });
  }

  const rejected: Record<string, string> = {
    'a block label then a plain key': 'path { x = 1 }\npath "b" { y = 1 }',
    'an object then a list': 'a = { b = 1 }\na = [1]',
    'a block then a scalar': 'a { b = 1 }\na = 5',
    'a scalar then a block': 'a = 5\na { b = 1 }',
    'a string that is not an int into an int': 'a = 1\na = "x"',
    'a non-boolean into a bool': 'a = true\na = "yes"',
    'a hex number into a float': 'a = 1.5\na = 0x10',
    'an invalid \\U escape': 'a = "\\U00110000"',
    'an octal literal with 8 or 9': 'a = 08',
    'an unterminated heredoc': 'a = <<EOF\nx\n',
    'a bare identifier value': 'a = b',
  };
  for (const [what, text] of Object.entries(rejected)) {
    void it(`both reject: ${what}`, () => {
      assert.equal(oracle.decode(text), undefined, 'reference rejects');
      assert.equal(ours(text), undefined, 'we reject');
    });
  }

  void it('documented difference: "key =" at end of input is an error here, silently dropped by HCL1', () => {
    assert.deepEqual(oracle.decode('a = 1\nb ='), { a: 1 });
    assert.throws(() => parseHcl('a = 1\nb ='), HclSyntaxError);
  });

  void it('documented difference: 64-bit integers decode here (as in Vault), the GopherJS oracle is 32-bit', () => {
    assert.equal(oracle.decode('a = 2147483648'), undefined);
    assert.deepEqual(ours('a = 2147483648'), { a: 2147483648 });
  });

  void it('agrees with the reference on 250 seeded random documents (values and rejections)', () => {
    let accepted = 0;
    for (let seed = 1; seed <= 250; seed++) {
      const doc = randomHclDocument(new SeededRandom(seed));
      const expected = oracle.decode(doc);
      assert.deepEqual(ours(doc), expected, `seed ${seed}:\n${doc}`);
      if (expected !== undefined) accepted++;
    }
    assert.ok(accepted > 120, `most random documents are valid (${accepted})`);
  });
});
