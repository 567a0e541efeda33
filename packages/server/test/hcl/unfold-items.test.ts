import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHcl, unfoldItems, type HclExpr } from '../../src/hcl/index.js';

function shape(value: HclExpr): unknown {
  if (value.kind !== 'object') return value.kind;
  return unfoldItems(value).map((e) => [e.key.name, shape(e.value)]);
}

void describe('unfoldItems', () => {
  void it('turns block labels into nested single-entry objects, positioned at the label', () => {
    const body = parseHcl('path "a" "b" { x = 1 }\ny = 2').body;
    const entries = unfoldItems(body);
    assert.deepEqual(
      entries.map((e) => [e.key.name, shape(e.value)]),
      [
        ['path', [['a', [['b', [['x', 'number']]]]]]],
        ['y', 'number'],
      ],
    );
    const first = entries[0];
    assert.ok(first && first.value.kind === 'object');
    assert.deepEqual(first.value.pos, { file: '<input>', line: 1, column: 6 });
    assert.equal(first.item, body.items[0]);
  });

  void it('keeps repeated keys as separate entries', () => {
    assert.deepEqual(
      unfoldItems(parseHcl('l "tcp" {}\nl "tcp" {}').body).map((e) => e.key.name),
      ['l', 'l'],
    );
  });
});
