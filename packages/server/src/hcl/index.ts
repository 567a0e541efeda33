export type {
  HclBool,
  HclComment,
  HclExpr,
  HclFile,
  HclItem,
  HclKey,
  HclList,
  HclLiteral,
  HclNumber,
  HclObject,
  HclString,
} from './hcl-ast.js';
export type { HclPlainObject, HclPlainValue } from './hcl-plain-value.js';
export { HclSyntaxError } from './hcl-syntax-error.js';
export { tokenizeHcl, type HclToken, type HclTokenType } from './hcl-lexer.js';
export { parseHcl } from './parse-hcl.js';
export { parseJson } from './parse-json.js';
export { decodeHcl } from './decode-hcl.js';
export { decodeHcl1 } from './decode-hcl1.js';
export { unfoldItems, type HclEntry } from './unfold-items.js';
export { formatPosition, type SourcePosition } from './source-position.js';
