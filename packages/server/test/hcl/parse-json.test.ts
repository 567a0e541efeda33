import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHcl, HclSyntaxError, parseJson, unfoldItems, type HclObject } from '../../src/hcl/index.js';

void describe('parseJson', () => {
  void it('builds the HCL tree with positions on keys and values', () => {
    const file = parseJson(
      '{\n  "listener": [\n    {"tcp": {"address": "127.0.0.1:8200"}}\n  ]\n}',
      'c.json',
    );
    const [listener] = unfoldItems(file.body);
    assert.ok(listener);
    assert.deepEqual(listener.key.pos, { file: 'c.json', line: 2, column: 3 });
    assert.equal(listener.value.kind, 'list');
    const tcp = listener.value.kind === 'list' ? listener.value.elements[0] : undefined;
    assert.equal(tcp?.kind, 'object');
    const address = unfoldItems(unfoldItems(tcp as HclObject)[0]?.value as HclObject)[0];
    assert.deepEqual(address?.value, {
      kind: 'string',
      value: '127.0.0.1:8200',
      heredoc: false,
      pos: { file: 'c.json', line: 3, column: 25 },
    });
  });

  void it('decodes numbers, booleans, null (as "") and escapes', () => {
    assert.deepEqual(
      decodeHcl(parseJson('{"i": -3, "f": 2.5e1, "t": true, "n": null, "s": "a\\u00e9\\n"}')),
      {
        i: -3,
        f: 25,
        t: true,
        n: '',
        s: 'aé\n',
      },
    );
  });

  void it('keeps the literal of numbers and marks floats', () => {
    const item = parseJson('{"n": 10, "f": 1.0}').body.items;
    assert.deepEqual(
      item.map((i) => i.value.kind === 'number' && [i.value.raw, i.value.float]),
      [
        ['10', false],
        ['1.0', true],
      ],
    );
  });

  void it('reports errors with positions', () => {
    const cases: [string, number, number][] = [
      ['[1]', 1, 1],
      ['{"a": 1,}', 1, 9],
      ['{\n  "a" 1}', 2, 7],
      ['{"a": tru}', 1, 7],
      ['{"a": 1} x', 1, 10],
      ['{"a": "x\n"}', 1, 7],
      ['{"a": 01}', 1, 8],
    ];
    for (const [text, line, column] of cases) {
      try {
        parseJson(text, 'p.json');
        assert.fail(`accepted ${text}`);
      } catch (err) {
        assert.ok(err instanceof HclSyntaxError, text);
        assert.deepEqual([err.file, err.line, err.column], ['p.json', line, column], text);
      }
    }
  });
});
