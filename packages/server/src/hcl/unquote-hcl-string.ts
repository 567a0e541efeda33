/**
 * HCL1's string unquoting (hcl/strconv.Unquote): Go escapes are decoded, but everything inside
 * `${...}` (brace-counted) is copied verbatim, so interpolations stay literal text. Escapes build
 * bytes (`\xNN` and octal `\NNN` are single bytes), and the bytes are read back as UTF-8 the way
 * Go does when it prints a string: invalid sequences become U+FFFD.
 *
 * Returns the decoded text, or an error reason. `inner` excludes the surrounding quotes.
 */
export function unquoteHclString(inner: string): { value: string } | { error: string } {
  if (!inner.includes('\\')) return { value: inner };
  const bytes: number[] = [];
  const pushText = (text: string): void => {
    for (const b of Buffer.from(text, 'utf8')) bytes.push(b);
  };
  let i = 0;
  while (i < inner.length) {
    if (inner[i] === '$' && inner[i + 1] === '{') {
      let braces = 1;
      let j = i + 2;
      while (j < inner.length && braces > 0) {
        const c = inner[j];
        if (c === '{') braces++;
        else if (c === '}') braces--;
        j++;
      }
      if (braces !== 0) return { error: 'unterminated "${" in string' };
      pushText(inner.slice(i, j));
      i = j;
      continue;
    }
    const c = inner[i];
    if (c !== '\\') {
      const cp = inner.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      pushText(ch);
      i += ch.length;
      continue;
    }
    const e = inner[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        bytes.push(0x07);
        break;
      case 'b':
        bytes.push(0x08);
        break;
      case 'f':
        bytes.push(0x0c);
        break;
      case 'n':
        bytes.push(0x0a);
        break;
      case 'r':
        bytes.push(0x0d);
        break;
      case 't':
        bytes.push(0x09);
        break;
      case 'v':
        bytes.push(0x0b);
        break;
      case '\\':
        bytes.push(0x5c);
        break;
      case '"':
        bytes.push(0x22);
        break;
      case 'x':
      case 'u':
      case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const digits = inner.slice(i, i + n);
        if (digits.length < n || !/^[0-9a-fA-F]+$/.test(digits))
          return { error: `illegal escape "\\${e}${digits}"` };
        i += n;
        const v = parseInt(digits, 16);
        if (e === 'x') {
          bytes.push(v);
          break;
        }
        if (v > 0x10ffff) return { error: `escape "\\${e}${digits}" is not a valid code point` };
        // Go encodes surrogate halves as U+FFFD.
        pushText(v >= 0xd800 && v <= 0xdfff ? '\ufffd' : String.fromCodePoint(v));
        break;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        const digits = e + inner.slice(i, i + 2);
        if (!/^[0-7]{3}$/.test(digits)) return { error: `illegal octal escape "\\${digits}"` };
        i += 2;
        const v = parseInt(digits, 8);
        if (v > 255) return { error: `octal escape "\\${digits}" is larger than a byte` };
        bytes.push(v);
        break;
      }
      default:
        return { error: `illegal escape "\\${e ?? ''}"` };
    }
  }
  return { value: new TextDecoder('utf-8').decode(Uint8Array.from(bytes)) };
}
