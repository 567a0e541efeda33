import { formatPosition, type SourcePosition } from './source-position.js';

/**
 * Raised for text that is not valid HCL1 (or, from `parseJson`, not valid JSON), and by the
 * decoders for structures HCL1 cannot decode. `message` is `file:line:column: reason`.
 */
export class HclSyntaxError extends Error {
  override readonly name = 'HclSyntaxError';
  readonly code = 'HCL_SYNTAX';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(pos: SourcePosition, reason: string) {
    super(`${formatPosition(pos)}: ${reason}`);
    this.file = pos.file;
    this.line = pos.line;
    this.column = pos.column;
    this.reason = reason;
  }

  get position(): SourcePosition {
    return { file: this.file, line: this.line, column: this.column };
  }
}
