import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HclSyntaxError, parseHcl, type HclExpr, type HclItem, type HclObject } from '../../src/hcl/index.js';

function item(body: HclObject, index: number): HclItem {
  const it = body.items[index];
  assert.ok(it, `item ${index}`);
  return it;
}

function valueOf(source: string): HclExpr {
  return item(parseHcl(source).body, 0).value;
}

function syntaxError(source: string): HclSyntaxError {
  try {
    parseHcl(source, 'bad.hcl');
  } catch (err) {
    assert.ok(err instanceof HclSyntaxError, `expected HclSyntaxError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(source)} to be rejected`);
}

void describe('parseHcl', () => {
  void it('parses blocks with labels, keeping key kinds and positions (file, line, column) on every node', () => {
    const file = parseHcl('listener "tcp" {\n  address = "0.0.0.0:8200"\n}\n', 'vault.hcl');
    assert.equal(file.file, 'vault.hcl');
    const block = item(file.body, 0);
    assert.equal(block.assign, false);
    assert.deepEqual(
      block.keys.map((k) => [k.name, k.quoted, k.pos.line, k.pos.column]),
      [
        ['listener', false, 1, 1],
        ['tcp', true, 1, 10],
      ],
    );
    assert.deepEqual(block.pos, { file: 'vault.hcl', line: 1, column: 1 });
    assert.equal(block.value.kind, 'object');
    assert.deepEqual(block.value.pos, { file: 'vault.hcl', line: 1, column: 16 });
    const attr = item(block.value as HclObject, 0);
    assert.equal(attr.assign, true);
    assert.deepEqual(attr.pos, { file: 'vault.hcl', line: 2, column: 3 });
    assert.deepEqual(attr.value, {
      kind: 'string',
      value: '0.0.0.0:8200',
      heredoc: false,
      pos: { file: 'vault.hcl', line: 2, column: 13 },
    });
  });

  void it('keeps repeated blocks and keys as separate items in source order', () => {
    const body = parseHcl('path "a" {}\npath "b" {}\npath "a" { x = 1 }\nx = 1\nx = 2').body;
    assert.deepEqual(
      body.items.map((i) => i.keys.map((k) => k.name).join(' ')),
      ['path a', 'path b', 'path a', 'x', 'x'],
    );
  });

  void it('rejects `key value` without "=" or "{" (HCL1 has no such form)', () => {
    const err = syntaxError('key value');
    assert.match(err.reason, /key 'key value' expected start of object/);
    assert.equal(syntaxError('key "value"\n').line, 2);
  });

  void it('rejects labels on an assignment', () => {
    assert.match(syntaxError('a "b" = 1').reason, /must be a block/);
  });

  void it('parses lists with trailing, leading and repeated commas, nested lists and objects', () => {
    const v = valueOf('a = [,1,, "two", [3, [4]], { x = true }, <<EOF\nh\nEOF\n,]');
    assert.equal(v.kind, 'list');
    assert.deepEqual(
      v.elements.map((e) => e.kind),
      ['number', 'string', 'list', 'object', 'string'],
    );
    assert.match(syntaxError('a = [1 2]').reason, /expected "," or "]"/);
    assert.match(syntaxError('a = [1').reason, /close the list/);
  });

  void it('parses numbers: decimal, negative, octal, hex, floats and exponents, keeping the literal', () => {
    const cases: [string, number, boolean][] = [
      ['42', 42, false],
      ['-7', -7, false],
      ['010', 8, false],
      ['0x1F', 31, false],
      ['-0x10', -16, false],
      ['1.5', 1.5, true],
      ['.5', 0.5, true],
      ['1.', 1, true],
      ['1e3', 1000, true],
      ['-1.5E+3', -1500, true],
      ['09.5', 9.5, true],
    ];
    for (const [raw, value, float] of cases) {
      const v = valueOf(`n = ${raw}`);
      assert.deepEqual(v.kind === 'number' && [v.value, v.raw, v.float], [value, raw, float], raw);
    }
    assert.match(syntaxError('n = 019').reason, /octal/);
    assert.match(syntaxError('n = 0x').reason, /hexadecimal/);
    assert.match(syntaxError('n = 1e').reason, /exponent/);
    assert.match(syntaxError('n = 9223372036854775808').reason, /out of range/);
  });

  void it('parses booleans, but not bare identifiers as values', () => {
    assert.deepEqual(valueOf('b = true').kind === 'bool' && valueOf('b = false'), {
      kind: 'bool',
      value: false,
      pos: { file: '<input>', line: 1, column: 5 },
    });
    assert.match(syntaxError('a = yes').reason, /unexpected identifier "yes"/);
  });

  void it('decodes string escapes and keeps ${...} interpolations as literal text', () => {
    const v = valueOf('s = "a\\tb\\n\\"q\\" \\\\ \\x41\\u00e9\\101\\U0001F600 ${lookup(m, "k\\n")} $${x}"');
    assert.equal(v.kind === 'string' && v.value, 'a\tb\n"q" \\ Aé' + 'A😀 ${lookup(m, "k\\n")} $${x}');
    assert.match(syntaxError(String.raw`s = "\q"`).reason, /illegal escape/);
    assert.match(syntaxError('s = "open\nline"').reason, /not terminated/);
    assert.match(syntaxError('s = "${x"').reason, /not terminated/);
  });

  void it('parses heredocs, with <<- removing the closing marker indentation', () => {
    assert.deepEqual(valueOf('h = <<EOF\nline 1\n  line 2\nEOF\n'), {
      kind: 'string',
      value: 'line 1\n  line 2\n',
      heredoc: true,
      pos: { file: '<input>', line: 1, column: 5 },
    });
    const indented = valueOf('h = <<-EOT\n    a\n      b\n    EOT\n');
    assert.equal(indented.kind === 'string' && indented.value, 'a\n  b\n');
    // Lines less indented than the marker: kept as is.
    const ragged = valueOf('h = <<-EOT\n  a\nb\n  EOT\n');
    assert.equal(ragged.kind === 'string' && ragged.value, '  a\nb\n');
  });

  void it('applies HCL1 heredoc rules: newline after the anchor, closing line followed by a newline, <<- marker indented', () => {
    assert.match(syntaxError('h = <<EOF x\nEOF\n').reason, /heredoc anchor/);
    assert.match(syntaxError('h = <<EOF\nbody\nEOF').reason, /not terminated/);
    assert.match(syntaxError('h = <<-EOF\nbody\nEOF\n').reason, /closing "EOF" to be indented/);
    assert.match(syntaxError('h = <<\nEOF\n').reason, /zero-length heredoc anchor/);
  });

  void it('collects #, // and /* */ comments with positions', () => {
    const file = parseHcl('# one\na = 1 // two\n/* three\n */ b = 2');
    assert.deepEqual(
      file.comments.map((c) => [c.text, c.pos.line, c.pos.column]),
      [
        ['# one', 1, 1],
        ['// two', 2, 7],
        ['/* three\n */', 3, 1],
      ],
    );
    assert.equal(file.body.items.length, 2);
    assert.match(syntaxError('a = 1 / 2').reason, /comments start with/);
    assert.match(syntaxError('/* open').reason, /comment not terminated/);
  });

  void it('accepts optional commas between items and items on one line', () => {
    assert.equal(parseHcl('a = 1, b = 2 c = 3\nd { e = 4, f = 5 }').body.items.length, 4);
  });

  void it('normalises CRLF line endings', () => {
    const v = valueOf('h = <<EOF\r\nx\r\nEOF\r\n');
    assert.equal(v.kind === 'string' && v.value, 'x\n');
    assert.equal(item(parseHcl('a = 1\r\nb = 2\r\n').body, 1).pos.line, 2);
  });

  void it('counts columns in code points', () => {
    assert.deepEqual(item(parseHcl('"😀é" = 1, ключ = 2').body, 1).pos, {
      file: '<input>',
      line: 1,
      column: 11,
    });
  });

  void it('reports syntax errors as HclSyntaxError with file:line:column', () => {
    const err = syntaxError('storage "raft" {\n  path = \n}\n');
    assert.equal(err.code, 'HCL_SYNTAX');
    assert.deepEqual([err.file, err.line, err.column], ['bad.hcl', 3, 1]);
    assert.equal(err.message, `bad.hcl:3:1: ${err.reason}`);
    assert.match(err.reason, /expected a value/);
  });

  void it('rejects malformed structure at the right place', () => {
    const cases: [string, number, number, RegExp][] = [
      ['a { b = 1', 1, 10, /expected "}"/],
      ['a = 1 }', 1, 7, /expected a key/],
      ['= 1', 1, 1, /expected a key before "="/],
      ['{ a = 1 }', 1, 1, /expected a key/],
      ['1 = 2', 1, 1, /got number/],
      ['true = 1', 1, 1, /got boolean/],
      ['a = @', 1, 5, /illegal character "@"/],
      ['a =', 1, 4, /end of file/],
      ['a = <x', 1, 5, /heredocs start with "<<"/],
    ];
    for (const [source, line, column, reason] of cases) {
      const err = syntaxError(source);
      assert.deepEqual([err.line, err.column], [line, column], source);
      assert.match(err.reason, reason, source);
    }
  });

  void it('parses an empty document and a comment-only document', () => {
    assert.equal(parseHcl('').body.items.length, 0);
    assert.equal(parseHcl('# nothing\n').body.items.length, 0);
  });
});
