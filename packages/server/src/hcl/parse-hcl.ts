import type { HclComment, HclExpr, HclFile, HclItem, HclKey, HclList, HclObject } from './hcl-ast.js';
import { tokenizeHcl, type HclToken, type HclTokenType } from './hcl-lexer.js';
import { HclSyntaxError } from './hcl-syntax-error.js';

const DESCRIBE: Record<HclTokenType, string> = {
  IDENT: 'identifier',
  NUMBER: 'number',
  FLOAT: 'number',
  BOOL: 'boolean',
  STRING: 'string',
  HEREDOC: 'heredoc',
  LBRACK: '"["',
  RBRACK: '"]"',
  LBRACE: '"{"',
  RBRACE: '"}"',
  COMMA: '","',
  ASSIGN: '"="',
  PERIOD: '"."',
  ADD: '"+"',
  SUB: '"-"',
  COMMENT: 'comment',
  EOF: 'end of file',
};

function describe(tok: HclToken): string {
  if (tok.type === 'IDENT') return `identifier "${tok.text}"`;
  return DESCRIBE[tok.type];
}

/**
 * Parses HCL1 text into a syntax tree, with the grammar of the reference parser (hashicorp/hcl
 * v1 hcl/parser): a body is a sequence of items, optionally comma-separated; an item is one or
 * more keys followed by `= value` (one key only) or by `{ body }`; values are strings, heredocs,
 * numbers, booleans, objects `{ ... }` and lists `[ ... ]` (which may hold any value, and allow
 * leading, trailing and repeated commas). Bare identifiers are not values.
 *
 * Throws `HclSyntaxError` (`file:line:column: reason`). One deliberate difference from the
 * reference: `key =` at the very end of the input is an error (HCL1 silently drops it).
 */
export function parseHcl(source: string, file = '<input>'): HclFile {
  const parser = new Parser(tokenizeHcl(source, file));
  const body = parser.parseBody();
  return { kind: 'file', file, body, comments: parser.comments };
}

class Parser {
  private i = 0;
  readonly comments: HclComment[] = [];
  private readonly tokens: HclToken[];

  constructor(all: HclToken[]) {
    this.tokens = [];
    for (const t of all) {
      if (t.type === 'COMMENT') this.comments.push({ text: t.text, pos: t.pos });
      else this.tokens.push(t);
    }
  }

  private peek(): HclToken {
    const t = this.tokens[this.i] ?? this.tokens[this.tokens.length - 1];
    if (t === undefined) throw new Error('token list is empty');
    return t;
  }

  private next(): HclToken {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  parseBody(): HclObject {
    const first = this.peek();
    const items = this.parseItems(false);
    return { kind: 'object', items, pos: { file: first.pos.file, line: 1, column: 1 } };
  }

  private parseItems(inObject: boolean): HclItem[] {
    const items: HclItem[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.type === 'EOF') {
        if (inObject)
          throw new HclSyntaxError(tok.pos, 'unexpected end of file: expected "}" to close the object');
        return items;
      }
      if (inObject && tok.type === 'RBRACE') return items;
      items.push(this.parseItem());
      if (this.peek().type === 'COMMA') this.next();
    }
  }

  private parseItem(): HclItem {
    const keys: HclKey[] = [];
    for (;;) {
      const tok = this.next();
      switch (tok.type) {
        case 'IDENT':
        case 'STRING':
          keys.push({
            kind: 'key',
            name: String(tok.value ?? tok.text),
            quoted: tok.type === 'STRING',
            pos: tok.pos,
          });
          continue;
        case 'ASSIGN': {
          const first = keys[0];
          if (first === undefined) throw new HclSyntaxError(tok.pos, 'expected a key before "="');
          if (keys.length > 1) {
            throw new HclSyntaxError(
              tok.pos,
              `key '${keys.map((k) => k.name).join(' ')}' has labels, so it must be a block: expected "{", got "="`,
            );
          }
          const value = this.parseValue(tok);
          return { kind: 'item', keys, assign: true, value, pos: first.pos };
        }
        case 'LBRACE': {
          const first = keys[0];
          if (first === undefined)
            throw new HclSyntaxError(tok.pos, 'expected a key (identifier or string) before "{"');
          const value = this.parseObject(tok);
          return { kind: 'item', keys, assign: false, value, pos: first.pos };
        }
        default: {
          if (keys.length === 0) {
            throw new HclSyntaxError(tok.pos, `expected a key (identifier or string), got ${describe(tok)}`);
          }
          throw new HclSyntaxError(
            tok.pos,
            `key '${keys.map((k) => k.name).join(' ')}' expected start of object ("{") or assignment ("="), got ${describe(tok)}`,
          );
        }
      }
    }
  }

  private parseValue(after: HclToken): HclExpr {
    const tok = this.next();
    switch (tok.type) {
      case 'NUMBER':
      case 'FLOAT':
        return {
          kind: 'number',
          value: Number(tok.value),
          raw: tok.text,
          float: tok.type === 'FLOAT',
          pos: tok.pos,
        };
      case 'BOOL':
        return { kind: 'bool', value: tok.value === true, pos: tok.pos };
      case 'STRING':
      case 'HEREDOC':
        return { kind: 'string', value: String(tok.value), heredoc: tok.type === 'HEREDOC', pos: tok.pos };
      case 'LBRACE':
        return this.parseObject(tok);
      case 'LBRACK':
        return this.parseList(tok);
      case 'EOF':
        throw new HclSyntaxError(
          tok.pos,
          `unexpected end of file: expected a value after ${describe(after)}`,
        );
      case 'IDENT':
        throw new HclSyntaxError(
          tok.pos,
          `unexpected identifier "${tok.text}": values must be strings, numbers, booleans, lists or objects (quote strings: "${tok.text}")`,
        );
      default:
        throw new HclSyntaxError(tok.pos, `unexpected ${describe(tok)}: expected a value`);
    }
  }

  private parseObject(lbrace: HclToken): HclObject {
    const items = this.parseItems(true);
    const close = this.next();
    if (close.type !== 'RBRACE')
      throw new HclSyntaxError(close.pos, `object expected closing "}", got ${describe(close)}`);
    return { kind: 'object', items, pos: lbrace.pos };
  }

  private parseList(lbrack: HclToken): HclList {
    const elements: HclExpr[] = [];
    let needComma = false;
    for (;;) {
      const tok = this.peek();
      if (tok.type === 'RBRACK') {
        this.next();
        return { kind: 'list', elements, pos: lbrack.pos };
      }
      if (tok.type === 'COMMA') {
        this.next();
        needComma = false;
        continue;
      }
      if (tok.type === 'EOF')
        throw new HclSyntaxError(tok.pos, 'unexpected end of file: expected "]" to close the list');
      if (needComma)
        throw new HclSyntaxError(tok.pos, `error parsing list: expected "," or "]", got ${describe(tok)}`);
      switch (tok.type) {
        case 'NUMBER':
        case 'FLOAT':
        case 'BOOL':
        case 'STRING':
        case 'HEREDOC':
        case 'LBRACE':
        case 'LBRACK':
          elements.push(this.parseValue(lbrack));
          needComma = true;
          break;
        default:
          throw new HclSyntaxError(tok.pos, `unexpected ${describe(tok)} while parsing list`);
      }
    }
  }
}
