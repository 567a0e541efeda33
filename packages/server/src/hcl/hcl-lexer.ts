import { heredocValue } from './heredoc-value.js';
import { HclSyntaxError } from './hcl-syntax-error.js';
import type { SourcePosition } from './source-position.js';
import { unquoteHclString } from './unquote-hcl-string.js';

export type HclTokenType =
  | 'IDENT'
  | 'NUMBER'
  | 'FLOAT'
  | 'BOOL'
  | 'STRING'
  | 'HEREDOC'
  | 'LBRACK'
  | 'RBRACK'
  | 'LBRACE'
  | 'RBRACE'
  | 'COMMA'
  | 'ASSIGN'
  | 'PERIOD'
  | 'ADD'
  | 'SUB'
  | 'COMMENT'
  | 'EOF';

export interface HclToken {
  readonly type: HclTokenType;
  /** The source text of the token. */
  readonly text: string;
  readonly pos: SourcePosition;
  /** Decoded value of STRING, HEREDOC (the string), NUMBER/FLOAT (number) and BOOL tokens. */
  readonly value?: string | number | boolean;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const isDecimal = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isLetter = (c: string | undefined): boolean =>
  c !== undefined &&
  ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || (c >= '\u0080' && /^\p{L}$/u.test(c)));
const isDigit = (c: string | undefined): boolean =>
  c !== undefined && (isDecimal(c) || (c >= '\u0080' && /^\p{Nd}$/u.test(c)));
const isHeredocSpace = (c: string): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/**
 * Splits HCL1 source into tokens, following the reference scanner (hashicorp/hcl v1
 * hcl/scanner): `\r\n` is first normalised to `\n` (as hcl/parser does), identifiers may contain
 * `-` and `.`, numbers may be negative, hex (`0x`), octal (`010`) or floats, strings keep
 * `${...}` verbatim, heredocs are `<<ID` / `<<-ID`, comments are `#`, `//` and `/* *\/`.
 * Comments are returned as COMMENT tokens; the list always ends with EOF.
 */
export function tokenizeHcl(source: string, file = '<input>'): HclToken[] {
  return new Lexer(source.replace(/\r\n/g, '\n'), file).run();
}

class Lexer {
  private i = 0;
  private line = 1;
  private column = 1;
  private readonly tokens: HclToken[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  run(): HclToken[] {
    for (;;) {
      this.skipWhitespace();
      const start = this.position();
      const startIndex = this.i;
      const c = this.peek();
      if (c === undefined) {
        this.tokens.push({ type: 'EOF', text: '', pos: start });
        return this.tokens;
      }
      if (isLetter(c)) {
        this.next();
        while (isLetter(this.peek()) || isDigit(this.peek()) || this.peek() === '-' || this.peek() === '.')
          this.next();
        const text = this.src.slice(startIndex, this.i);
        if (text === 'true' || text === 'false') this.push('BOOL', startIndex, start, text === 'true');
        else this.push('IDENT', startIndex, start);
      } else if (isDecimal(c) || (c === '-' && isDecimal(this.peek(1)))) {
        this.scanNumber(startIndex, start);
      } else if (c === '.' && isDecimal(this.peek(1))) {
        this.scanNumber(startIndex, start);
      } else {
        switch (c) {
          case '"':
            this.scanString(startIndex, start);
            break;
          case '#':
          case '/':
            this.scanComment(startIndex, start);
            break;
          case '<':
            this.scanHeredoc(startIndex, start);
            break;
          case '[':
          case ']':
          case '{':
          case '}':
          case ',':
          case '=':
          case '+':
          case '-':
          case '.': {
            this.next();
            const types: Record<string, HclTokenType> = {
              '[': 'LBRACK',
              ']': 'RBRACK',
              '{': 'LBRACE',
              '}': 'RBRACE',
              ',': 'COMMA',
              '=': 'ASSIGN',
              '+': 'ADD',
              '-': 'SUB',
              '.': 'PERIOD',
            };
            this.push(types[c] ?? 'PERIOD', startIndex, start);
            break;
          }
          case '\0':
            throw new HclSyntaxError(start, 'unexpected null character (0x00)');
          default:
            throw new HclSyntaxError(
              start,
              `illegal character ${JSON.stringify(String.fromCodePoint(this.src.codePointAt(this.i) ?? 0))}`,
            );
        }
      }
    }
  }

  private position(): SourcePosition {
    return { file: this.file, line: this.line, column: this.column };
  }

  private peek(ahead = 0): string | undefined {
    if (ahead === 0) {
      if (this.i >= this.src.length) return undefined;
      return String.fromCodePoint(this.src.codePointAt(this.i) ?? 0);
    }
    let j = this.i;
    for (let k = 0; k < ahead && j < this.src.length; k++)
      j += (this.src.codePointAt(j) ?? 0) > 0xffff ? 2 : 1;
    if (j >= this.src.length) return undefined;
    return String.fromCodePoint(this.src.codePointAt(j) ?? 0);
  }

  private next(): string | undefined {
    const c = this.peek();
    if (c === undefined) return undefined;
    this.i += c.length;
    if (c === '\n') {
      this.line++;
      this.column = 1;
    } else {
      this.column++;
    }
    return c;
  }

  private push(
    type: HclTokenType,
    startIndex: number,
    pos: SourcePosition,
    value?: string | number | boolean,
  ): void {
    const token: HclToken = { type, text: this.src.slice(startIndex, this.i), pos };
    this.tokens.push(value === undefined ? token : { ...token, value });
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.next();
      else return;
    }
  }

  private scanNumber(startIndex: number, pos: SourcePosition): void {
    if (this.peek() === '-') this.next();
    if (this.peek() === '0' && (this.peek(1) === 'x' || this.peek(1) === 'X')) {
      this.next();
      this.next();
      if (!isHex(this.peek())) throw new HclSyntaxError(this.position(), 'illegal hexadecimal number');
      while (isHex(this.peek())) this.next();
      this.pushInteger(startIndex, pos);
      return;
    }
    let float = false;
    while (isDecimal(this.peek())) this.next();
    if (this.peek() === '.') {
      float = true;
      this.next();
      while (isDecimal(this.peek())) this.next();
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      float = true;
      this.next();
      if (this.peek() === '+' || this.peek() === '-') this.next();
      if (!isDecimal(this.peek()))
        throw new HclSyntaxError(this.position(), 'malformed number: exponent has no digits');
      while (isDecimal(this.peek())) this.next();
    }
    if (float) {
      const text = this.src.slice(startIndex, this.i);
      const value = Number(text);
      if (!Number.isFinite(value)) throw new HclSyntaxError(pos, `number ${text} is out of range`);
      this.push('FLOAT', startIndex, pos, value);
      return;
    }
    this.pushInteger(startIndex, pos);
  }

  private pushInteger(startIndex: number, pos: SourcePosition): void {
    const text = this.src.slice(startIndex, this.i);
    const negative = text.startsWith('-');
    const digits = negative ? text.slice(1) : text;
    let big: bigint;
    if (/^0[xX]/.test(digits)) {
      big = BigInt(digits);
    } else if (digits.length > 1 && digits.startsWith('0')) {
      if (!/^[0-7]+$/.test(digits)) throw new HclSyntaxError(pos, `illegal octal number ${text}`);
      big = BigInt('0o' + digits.slice(1));
    } else {
      big = BigInt(digits);
    }
    if (negative) big = -big;
    if (big < INT64_MIN || big > INT64_MAX)
      throw new HclSyntaxError(pos, `integer ${text} is out of range (64-bit)`);
    this.push('NUMBER', startIndex, pos, Number(big));
  }

  private scanString(startIndex: number, pos: SourcePosition): void {
    this.next(); // opening quote
    let braces = 0;
    for (;;) {
      const here = this.position();
      const c = this.next();
      if (c === undefined) throw new HclSyntaxError(pos, 'string literal not terminated');
      if (c === '\n' && braces === 0)
        throw new HclSyntaxError(here, 'string literal not terminated (newline in string)');
      if (c === '\0') throw new HclSyntaxError(here, 'unexpected null character (0x00)');
      if (c === '"' && braces === 0) break;
      if (braces === 0 && c === '$' && this.peek() === '{') {
        braces++;
        this.next();
      } else if (braces > 0 && c === '{') {
        braces++;
      }
      if (braces > 0 && c === '}') braces--;
      if (c === '\\') this.scanEscape(here);
    }
    const text = this.src.slice(startIndex, this.i);
    const unquoted = unquoteHclString(text.slice(1, -1));
    if ('error' in unquoted) throw new HclSyntaxError(pos, unquoted.error);
    this.push('STRING', startIndex, pos, unquoted.value);
  }

  private scanEscape(pos: SourcePosition): void {
    const c = this.next();
    const digits = (n: number, ok: (d: string | undefined) => boolean): void => {
      for (let k = 0; k < n; k++) {
        if (!ok(this.peek())) throw new HclSyntaxError(pos, 'illegal escape sequence in string');
        this.next();
      }
    };
    switch (c) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
      case '"':
        return;
      case 'x':
        return digits(2, isHex);
      case 'u':
        return digits(4, isHex);
      case 'U':
        return digits(8, isHex);
      default:
        if (c !== undefined && c >= '0' && c <= '7')
          return digits(2, (d) => d !== undefined && d >= '0' && d <= '7');
        throw new HclSyntaxError(pos, `illegal escape sequence "\\${c ?? ''}" in string`);
    }
  }

  private scanComment(startIndex: number, pos: SourcePosition): void {
    const c = this.next();
    if (c === '/' && this.peek() === '*') {
      this.next();
      for (;;) {
        const d = this.next();
        if (d === undefined) throw new HclSyntaxError(pos, 'comment not terminated (missing "*/")');
        if (d === '*' && this.peek() === '/') {
          this.next();
          break;
        }
      }
    } else {
      if (c === '/' && this.peek() !== '/')
        throw new HclSyntaxError(pos, 'unexpected "/": comments start with "//", "#" or "/*"');
      while (this.peek() !== undefined && this.peek() !== '\n') this.next();
    }
    this.push('COMMENT', startIndex, pos);
  }

  private scanHeredoc(startIndex: number, pos: SourcePosition): void {
    this.next();
    if (this.peek() !== '<') throw new HclSyntaxError(pos, 'unexpected "<": heredocs start with "<<"');
    this.next();
    const anchorStart = this.i;
    if (this.peek() === '-') this.next();
    while (isLetter(this.peek()) || isDigit(this.peek())) this.next();
    const anchorWithDash = this.src.slice(anchorStart, this.i);
    if (this.peek() === undefined) throw new HclSyntaxError(pos, 'heredoc not terminated');
    if (this.peek() !== '\n')
      throw new HclSyntaxError(this.position(), 'invalid characters in heredoc anchor (expected a newline)');
    const anchor = anchorWithDash.startsWith('-') ? anchorWithDash.slice(1) : anchorWithDash;
    if (anchor === '') throw new HclSyntaxError(pos, 'zero-length heredoc anchor');
    this.next();

    // A line closes the heredoc when it is optional whitespace then the anchor, and (an HCL1
    // rule) it is at least as long in bytes as the anchor as written, so `<<-EOF` needs its
    // closing marker indented by at least one character. The newline after it is part of the token.
    const anchorBytes = Buffer.byteLength(anchorWithDash, 'utf8');
    let lineStart = this.i;
    for (;;) {
      const c = this.next();
      if (c === undefined) {
        throw new HclSyntaxError(
          pos,
          `heredoc not terminated: no line "${anchor}" followed by a newline` +
            (anchorWithDash.startsWith('-')
              ? ` (with "<<-", HCL1 requires the closing "${anchor}" to be indented)`
              : ''),
        );
      }
      if (c === '\n') {
        const line = this.src.slice(lineStart, this.i - 1);
        if (Buffer.byteLength(line, 'utf8') >= anchorBytes && closesHeredoc(line, anchor)) break;
        lineStart = this.i;
      }
    }
    const text = this.src.slice(startIndex, this.i);
    this.push('HEREDOC', startIndex, pos, heredocValue(text));
  }
}

function closesHeredoc(line: string, anchor: string): boolean {
  let k = 0;
  while (k < line.length && isHeredocSpace(line[k] ?? '')) k++;
  let rest = line.slice(k);
  if (!rest.startsWith(anchor)) return false;
  rest = rest.slice(anchor.length);
  return /^\r*$/.test(rest);
}
