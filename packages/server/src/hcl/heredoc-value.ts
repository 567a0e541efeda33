/**
 * The value of a heredoc token, computed exactly as HCL1 does (hcl/token unindentHeredoc), on
 * the UTF-8 bytes of the token text: `<<ID\n` + body + closing line + `\n`.
 *
 * - `<<ID`: the body plus whatever precedes `ID` on the closing line (normally nothing).
 * - `<<-ID`: if every line is at least as indented as the closing marker, that indentation is
 *   removed from each line; otherwise the body is kept as is with trailing blanks trimmed.
 */
export function heredocValue(tokenText: string): string {
  const text = Buffer.from(tokenText, 'utf8');
  const idx = text.indexOf(0x0a);
  const decode = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);
  const slice = (start: number, end: number): Buffer => text.subarray(start, Math.max(start, end));
  if (idx < 0) return '';
  const unindent = text[2] === 0x2d; // '-'
  if (!unindent) return decode(slice(idx + 1, text.length - idx + 1));

  const lines = decode(slice(idx + 1, text.length - idx + 2)).split('\n');
  const prefix = lines[lines.length - 1] ?? '';
  if (!lines.every((l) => l.startsWith(prefix))) {
    return decode(slice(idx + 1, text.length - idx + 1)).replace(/[ \t]+$/, '');
  }
  return lines.map((l, k) => (k === lines.length - 1 ? '' : l.slice(prefix.length))).join('\n');
}
