/** Where a node or error sits in its source text. Lines and columns are 1-based; columns count code points. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `file:line:column`, the prefix of every positioned error message. */
export function formatPosition(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}
