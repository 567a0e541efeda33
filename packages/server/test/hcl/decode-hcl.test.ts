import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHcl, HclSyntaxError, parseHcl, parseJson } from '../../src/hcl/index.js';
import { hclFixtures } from './fixtures.js';
import { hclLeaves } from './hcl-leaves.js';
import { loadHcl1Oracle } from './hcl1-oracle.js';

const decode = (text: string): unknown => decodeHcl(parseHcl(text));

void describe('decodeHcl', () => {
  void it('merges labelled blocks into nested objects', () => {
    assert.deepEqual(decode('path "a" { capabilities = ["read"] }\npath "b" { capabilities = ["list"] }'), {
      path: { a: { capabilities: ['read'] }, b: { capabilities: ['list'] } },
    });
    assert.deepEqual(decode('storage "raft" { path = "/d" }'), { storage: { raft: { path: '/d' } } });
  });

  void it('turns repeated blocks into arrays in source order', () => {
    assert.deepEqual(
      decode('listener "tcp" { a = 1 }\nlistener "tcp" { a = 2 }\nt { x = 1 }\nt { x = 2 }\nt { x = 3 }'),
      {
        listener: { tcp: [{ a: 1 }, { a: 2 }] },
        t: [{ x: 1 }, { x: 2 }, { x: 3 }],
      },
    );
  });

  void it('decodes objects as values and lists of objects', () => {
    assert.deepEqual(decode('o = { a = 1, b { c = "d" } }\nl = [{ x = 1 }, [2], "s"]\ne = {}'), {
      o: { a: 1, b: { c: 'd' } },
      l: [{ x: 1 }, [2], 's'],
      e: {},
    });
  });

  void it('concatenates repeated lists and lets the last scalar win, as HCL1 does', () => {
    assert.deepEqual(decode('caps = ["read"]\ncaps = ["list"]\nx = 1\nx = "two"'), {
      caps: ['read', 'list'],
      x: 'two',
    });
  });

  void it('keeps ${...} and heredocs as strings and numbers as numbers', () => {
    assert.deepEqual(decode('a = "${var.x}"\nh = <<EOF\nhi\nEOF\nn = 0x10\nf = 1e2\nb = false'), {
      a: '${var.x}',
      h: 'hi\n',
      n: 16,
      f: 100,
      b: false,
    });
  });

  void it('stores keys such as __proto__ as own properties', () => {
    const v = decode('"__proto__" = 1') as Record<string, unknown>;
    assert.equal(Object.prototype.hasOwnProperty.call(v, '__proto__'), true);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });

  void it('rejects a key used as a block label and as a value, or with incompatible kinds', () => {
    assert.throws(() => decode('path = "x"\npath "a" {}'), HclSyntaxError);
    assert.throws(() => decode('path "a" {}\npath { x = 1 }'), HclSyntaxError);
    assert.throws(() => decode('a = [1]\na = 2'), HclSyntaxError);
    assert.throws(() => decode('a = 1\na { b = 1 }'), HclSyntaxError);
  });

  void it('decodes a JSON tree the same way as the equivalent HCL', () => {
    const json = parseJson('{"path": {"a": {"capabilities": ["read"]}}, "ui": true, "n": 1.5}');
    assert.deepEqual(decodeHcl(json), decode('path "a" { capabilities = ["read"] }\nui = true\nn = 1.5'));
  });

  void describe('carries the same information as the reference decoding (normalised, on the fixture corpus)', () => {
    const oracle = loadHcl1Oracle();
    for (const { name, text } of hclFixtures()) {
      void it(name, () => {
        assert.deepEqual(hclLeaves(decode(text)), hclLeaves(oracle.decode(text)));
      });
    }
  });
});
