import type { SourcePosition } from './source-position.js';

/**
 * The HCL1 syntax tree. Every node carries its position. Unlike the decoded form, the tree keeps
 * everything the source said: repeated keys, block labels, whether an item was written as a
 * block (`name "label" { }`) or an assignment (`name = value`), and comments.
 */

/** One key of an item: an identifier (`listener`) or a quoted string (`"tcp"`), already unquoted. */
export interface HclKey {
  readonly kind: 'key';
  readonly name: string;
  readonly quoted: boolean;
  readonly pos: SourcePosition;
}

/**
 * `key = value` (`assign` true, exactly one key) or a block `key "label" ... { }` (`assign`
 * false, one or more keys, value an object).
 */
export interface HclItem {
  readonly kind: 'item';
  readonly keys: readonly HclKey[];
  readonly assign: boolean;
  readonly value: HclExpr;
  readonly pos: SourcePosition;
}

export interface HclObject {
  readonly kind: 'object';
  readonly items: readonly HclItem[];
  /** Position of `{` (1:1 for a file body). */
  readonly pos: SourcePosition;
}

export interface HclList {
  readonly kind: 'list';
  readonly elements: readonly HclExpr[];
  readonly pos: SourcePosition;
}

/** A quoted string or a heredoc; `${...}` sequences are kept as literal text. */
export interface HclString {
  readonly kind: 'string';
  readonly value: string;
  readonly heredoc: boolean;
  readonly pos: SourcePosition;
}

export interface HclNumber {
  readonly kind: 'number';
  /** The value as a JS number (integers beyond 2^53 lose precision; see `raw`). */
  readonly value: number;
  /** The literal as written (`0x1F`, `-3`, `1e3`). */
  readonly raw: string;
  /** True for floats (`1.5`, `1e3`), false for integers (decimal, octal `010`, hex `0x10`). */
  readonly float: boolean;
  readonly pos: SourcePosition;
}

export interface HclBool {
  readonly kind: 'bool';
  readonly value: boolean;
  readonly pos: SourcePosition;
}

export type HclLiteral = HclString | HclNumber | HclBool;
export type HclExpr = HclObject | HclList | HclLiteral;

export interface HclComment {
  /** The comment as written, including `#`, `//` or `/* *\/`. */
  readonly text: string;
  readonly pos: SourcePosition;
}

export interface HclFile {
  readonly kind: 'file';
  readonly file: string;
  readonly body: HclObject;
  readonly comments: readonly HclComment[];
}
