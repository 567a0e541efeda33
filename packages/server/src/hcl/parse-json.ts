import type { HclExpr, HclFile, HclItem, HclObject } from './hcl-ast.js';
import { HclSyntaxError } from './hcl-syntax-error.js';
import type { SourcePosition } from './source-position.js';

/**
 * Parses a JSON document (RFC 8259) into the same syntax tree `parseHcl` produces, so configs
 * and policies written in JSON get positions too: an object member is an `assign` item with one
 * key, arrays are lists, `null` is the empty string (as HCL1's JSON parser treats it). The top
 * level must be an object. Duplicate keys are kept (the tree shows them; decoders apply their
 * rules). Throws `HclSyntaxError`.
 */
export function parseJson(source: string, file = '<input>'): HclFile {
  const p = new JsonParser(source, file);
  p.skipWs();
  const start = p.pos();
  if (p.peek() !== '{') throw new HclSyntaxError(start, 'a JSON document must be an object ("{ ... }")');
  const body = p.value();
  p.skipWs();
  if (p.peek() !== undefined) throw new HclSyntaxError(p.pos(), 'unexpected text after the JSON document');
  if (body.kind !== 'object') throw new HclSyntaxError(start, 'a JSON document must be an object');
  return { kind: 'file', file, body, comments: [] };
}

class JsonParser {
  private i = 0;
  private line = 1;
  private column = 1;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    if (src.startsWith('\ufeff')) this.i = 1;
  }

  pos(): SourcePosition {
    return { file: this.file, line: this.line, column: this.column };
  }

  peek(): string | undefined {
    return this.i < this.src.length ? this.src[this.i] : undefined;
  }

  private advance(): string | undefined {
    const c = this.peek();
    if (c === undefined) return undefined;
    this.i++;
    if (c === '\n') {
      this.line++;
      this.column = 1;
    } else if (!(c >= '\udc00' && c <= '\udfff')) {
      this.column++;
    }
    return c;
  }

  skipWs(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.advance();
      else return;
    }
  }

  private expect(ch: string): void {
    this.skipWs();
    const here = this.pos();
    const c = this.advance();
    if (c !== ch)
      throw new HclSyntaxError(
        here,
        `expected "${ch}", got ${c === undefined ? 'end of file' : JSON.stringify(c)}`,
      );
  }

  value(): HclExpr {
    this.skipWs();
    const pos = this.pos();
    const c = this.peek();
    switch (c) {
      case '{':
        return this.object(pos);
      case '[':
        return this.array(pos);
      case '"':
        return { kind: 'string', value: this.string(), heredoc: false, pos };
      case 't':
      case 'f':
      case 'n': {
        for (const word of ['true', 'false', 'null']) {
          if (this.src.startsWith(word, this.i)) {
            for (let k = 0; k < word.length; k++) this.advance();
            if (word === 'null') return { kind: 'string', value: '', heredoc: false, pos };
            return { kind: 'bool', value: word === 'true', pos };
          }
        }
        throw new HclSyntaxError(pos, 'invalid JSON literal');
      }
      case undefined:
        throw new HclSyntaxError(pos, 'unexpected end of file: expected a value');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number(pos);
        throw new HclSyntaxError(pos, `unexpected ${JSON.stringify(c)}: expected a value`);
    }
  }

  private object(pos: SourcePosition): HclObject {
    this.advance();
    const items: HclItem[] = [];
    this.skipWs();
    if (this.peek() === '}') {
      this.advance();
      return { kind: 'object', items, pos };
    }
    for (;;) {
      this.skipWs();
      const keyPos = this.pos();
      if (this.peek() !== '"') throw new HclSyntaxError(keyPos, 'expected a string key');
      const name = this.string();
      this.expect(':');
      const value = this.value();
      items.push({
        kind: 'item',
        keys: [{ kind: 'key', name, quoted: true, pos: keyPos }],
        assign: true,
        value,
        pos: keyPos,
      });
      this.skipWs();
      const here = this.pos();
      const c = this.advance();
      if (c === '}') return { kind: 'object', items, pos };
      if (c !== ',')
        throw new HclSyntaxError(
          here,
          `expected "," or "}" in object, got ${c === undefined ? 'end of file' : JSON.stringify(c)}`,
        );
    }
  }

  private array(pos: SourcePosition): HclExpr {
    this.advance();
    const elements: HclExpr[] = [];
    this.skipWs();
    if (this.peek() === ']') {
      this.advance();
      return { kind: 'list', elements, pos };
    }
    for (;;) {
      elements.push(this.value());
      this.skipWs();
      const here = this.pos();
      const c = this.advance();
      if (c === ']') return { kind: 'list', elements, pos };
      if (c !== ',')
        throw new HclSyntaxError(
          here,
          `expected "," or "]" in array, got ${c === undefined ? 'end of file' : JSON.stringify(c)}`,
        );
    }
  }

  private string(): string {
    const start = this.pos();
    const from = this.i;
    this.advance();
    for (;;) {
      const c = this.advance();
      if (c === undefined || c === '\n') throw new HclSyntaxError(start, 'unterminated string');
      if (c === '"') break;
      if (c === '\\') this.advance();
      else if (c < ' ') throw new HclSyntaxError(start, 'control character in string');
    }
    try {
      return JSON.parse(this.src.slice(from, this.i)) as string;
    } catch {
      throw new HclSyntaxError(start, 'invalid escape in string');
    }
  }

  private number(pos: SourcePosition): HclExpr {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.i));
    if (!m) throw new HclSyntaxError(pos, 'invalid number');
    const raw = m[0];
    for (let k = 0; k < raw.length; k++) this.advance();
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new HclSyntaxError(pos, `number ${raw} is out of range`);
    return { kind: 'number', value, raw, float: m[2] !== undefined || m[3] !== undefined, pos };
  }
}
