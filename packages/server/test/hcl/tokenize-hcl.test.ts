import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenizeHcl } from '../../src/hcl/index.js';

void describe('tokenizeHcl', () => {
  void it('produces typed tokens with positions and decoded values, ending with EOF', () => {
    const tokens = tokenizeHcl('a-b.c = [1, 2.5, true, "x"] # c\n', 'f.hcl');
    assert.deepEqual(
      tokens.map((t) => [t.type, t.text, t.value, t.pos.line, t.pos.column]),
      [
        ['IDENT', 'a-b.c', undefined, 1, 1],
        ['ASSIGN', '=', undefined, 1, 7],
        ['LBRACK', '[', undefined, 1, 9],
        ['NUMBER', '1', 1, 1, 10],
        ['COMMA', ',', undefined, 1, 11],
        ['FLOAT', '2.5', 2.5, 1, 13],
        ['COMMA', ',', undefined, 1, 16],
        ['BOOL', 'true', true, 1, 18],
        ['COMMA', ',', undefined, 1, 22],
        ['STRING', '"x"', 'x', 1, 24],
        ['RBRACK', ']', undefined, 1, 27],
        ['COMMENT', '# c', undefined, 1, 29],
        ['EOF', '', undefined, 2, 1],
      ],
    );
  });

  void it('tokenizes operators HCL1 scans but never accepts as values', () => {
    assert.deepEqual(
      tokenizeHcl('+ - .').map((t) => t.type),
      ['ADD', 'SUB', 'PERIOD', 'EOF'],
    );
  });
});
