import { formatPosition, type SourcePosition } from '../hcl/source-position.js';

/**
 * A server configuration that cannot be used: unreadable, not HCL/JSON, an unknown key, a bad
 * value or an inconsistent combination. `message` is `file:line:column: reason`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(pos: SourcePosition, reason: string, options?: { cause?: unknown }) {
    super(`${formatPosition(pos)}: ${reason}`, options);
    this.file = pos.file;
    this.line = pos.line;
    this.column = pos.column;
    this.reason = reason;
  }
}
