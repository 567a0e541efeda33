import type { HclExpr, HclFile, HclItem, HclKey, HclLiteral, HclObject } from './hcl-ast.js';
import { HclSyntaxError } from './hcl-syntax-error.js';
import { setOwn, type HclPlainObject, type HclPlainValue } from './hcl-plain-value.js';
import type { SourcePosition } from './source-position.js';

/**
 * Decodes a syntax tree exactly as the reference HCL1 library decodes into a Go `interface{}`
 * (`hcl.Unmarshal(src, &v)`, hashicorp/hcl v1 decoder.go), which is the shape `js-hcl-parser`
 * prints. Use this to compare with the reference; use `decodeHcl` for application code.
 *
 * The reference shape: the root is an object; every object that is not the root or directly an
 * element of a list becomes an array of objects (`a = {x = 1}` gives `{a: [{x: 1}]}`); items
 * with several keys are grouped by their first key (compared case-insensitively) into an array
 * with one single-key object per item (`path "a" {..}  path "b" {..}` gives
 * `{path: [{a: [{..}]}, {b: [{..}]}]}`); repeating a key appends to an existing list/array and
 * overwrites a scalar, converting the new value to the old value's type (an int stays an int).
 *
 * Throws `HclSyntaxError` where the reference fails to decode.
 */
export function decodeHcl1(file: HclFile | HclObject): HclPlainObject {
  const body = file.kind === 'file' ? file.body : file;
  const map = decodeMap({ kind: 'objectlist', items: body.items, pos: body.pos }, undefined);
  return toPlain(map) as HclPlainObject;
}

// Go values as the decoder sees them: the Go type of each value decides how a repeated key
// decodes into it.
type GoValue =
  | { readonly t: 'int' | 'float'; v: number }
  | { readonly t: 'string'; v: string }
  | { readonly t: 'bool'; v: boolean }
  | { readonly t: 'map'; readonly m: Map<string, GoValue> }
  /** []map[string]interface{} */
  | { readonly t: 'maps'; readonly a: GoValue[] }
  /** []interface{} */
  | { readonly t: 'slice'; readonly a: GoValue[] };

/** The nodes the reference decoder walks: an ObjectList (`list`), an ObjectItem, or an expression. */
type Node =
  | { readonly kind: 'objectlist'; readonly items: readonly HclItem[]; readonly pos: SourcePosition }
  | { readonly kind: 'item'; readonly item: HclItem }
  | HclExpr;

type Parent = 'root' | 'map' | 'slice';

function posOf(node: Node): SourcePosition {
  return node.kind === 'item' ? node.item.pos : node.pos;
}

function fail(node: Node, reason: string): never {
  throw new HclSyntaxError(posOf(node), reason);
}

function decodeInto(old: GoValue | undefined, node: Node, parent: Parent): GoValue {
  if (old === undefined) return decodeInterface(node, parent);
  switch (old.t) {
    case 'map':
      return decodeMap(node, old);
    case 'maps':
    case 'slice':
      return decodeSlice(node, old);
    default:
      return decodeScalar(old.t, node);
  }
}

function decodeInterface(node: Node, parent: Parent): GoValue {
  switch (node.kind) {
    case 'objectlist':
    case 'object':
      return parent === 'map' ? decodeSlice(node, { t: 'maps', a: [] }) : decodeMap(node, undefined);
    case 'list':
      return decodeSlice(node, { t: 'slice', a: [] });
    case 'item':
      return fail(node, 'cannot decode an object item into an interface');
    default:
      return literal(node);
  }
}

function literal(node: HclLiteral): GoValue {
  switch (node.kind) {
    case 'bool':
      return { t: 'bool', v: node.value };
    case 'string':
      return { t: 'string', v: node.value };
    case 'number':
      return { t: node.float ? 'float' : 'int', v: node.value };
  }
}

function decodeScalar(t: 'int' | 'float' | 'string' | 'bool', node: Node): GoValue {
  if (node.kind !== 'string' && node.kind !== 'number' && node.kind !== 'bool') {
    return fail(node, `cannot decode a ${node.kind} into a ${t}`);
  }
  switch (t) {
    case 'bool': {
      // decodeBool reads the token text, quotes removed and lower-cased: 1/true and 0/false.
      if (node.kind === 'bool') return { t, v: node.value };
      const text = (
        node.kind === 'number' ? (node.float ? undefined : node.raw) : node.heredoc ? undefined : node.value
      )?.toLowerCase();
      if (text === '1' || text === 'true') return { t, v: true };
      if (text === '0' || text === 'false') return { t, v: false };
      return fail(
        node,
        `unknown value for boolean: ${node.kind === 'number' ? node.raw : JSON.stringify(node.value)}`,
      );
    }
    case 'string':
      // decodeString keeps the token text of numbers and booleans (`0x1f` stays "0x1f").
      if (node.kind === 'string') return { t, v: node.value };
      return { t, v: node.kind === 'number' ? node.raw : String(node.value) };
    case 'int': {
      if (node.kind === 'number' && !node.float) return { t, v: node.value };
      if (node.kind === 'string') {
        const v = goParseIntBase0(node.value);
        if (v !== undefined) return { t, v };
        return fail(node, `cannot parse "${node.value}" as an integer`);
      }
      return fail(node, `cannot decode a ${node.kind} into an int`);
    }
    case 'float':
      // decodeFloat parses the token text as a decimal float: `010` is 10, hex is an error.
      if (node.kind === 'number' && !/^-?0[xX]/.test(node.raw)) return { t, v: Number(node.raw) };
      return fail(node, `cannot decode ${node.kind === 'number' ? node.raw : `a ${node.kind}`} into a float`);
  }
}

/** Go's strconv.ParseInt(s, 0, 64) for the forms that matter here. */
function goParseIntBase0(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/.exec(s);
  if (!m) return undefined;
  const body = m[2] ?? '';
  let big: bigint;
  if (/^0[xXbBoO]/.test(body)) big = BigInt(body.toLowerCase());
  else if (body.length > 1 && body.startsWith('0')) big = BigInt('0o' + body.slice(1));
  else big = BigInt(body);
  if (m[1] === '-') big = -big;
  if (big < -(2n ** 63n) || big > 2n ** 63n - 1n) return undefined;
  return Number(big);
}

function itemsOf(node: Node): readonly HclItem[] | undefined {
  switch (node.kind) {
    case 'objectlist':
      return node.items;
    case 'object':
      return node.items;
    case 'item':
      return [node.item];
    default:
      return undefined;
  }
}

function decodeMap(node: Node, into: Extract<GoValue, { t: 'map' }> | undefined): GoValue {
  const items = itemsOf(node);
  if (items === undefined) return fail(node, `not an object type for map (got a ${node.kind})`);
  const result = into ?? { t: 'map' as const, m: new Map<string, GoValue>() };
  const done = new Set<string>();
  for (const item of items) {
    const first: HclKey | undefined = item.keys[0];
    if (first === undefined) return fail({ kind: 'item', item }, 'map must have string keys');
    const key = first.name;
    if (done.has(key)) continue;
    let value: Node = item.value;
    if (item.keys.length > 1) {
      value = filter(items, key, item.pos);
      done.add(key);
    }
    result.m.set(key, decodeInto(result.m.get(key), value, 'map'));
  }
  return result;
}

/** HCL1 ObjectList.Filter: the items whose first key matches (case-insensitively), first key removed. */
function filter(items: readonly HclItem[], key: string, pos: SourcePosition): Node {
  const lower = key.toLowerCase();
  const matched: HclItem[] = [];
  for (const item of items) {
    const first = item.keys[0];
    if (first === undefined || (first.name !== key && first.name.toLowerCase() !== lower)) continue;
    matched.push({ ...item, keys: item.keys.slice(1) });
  }
  return { kind: 'objectlist', items: matched, pos };
}

function decodeSlice(node: Node, into: Extract<GoValue, { t: 'maps' | 'slice' }>): GoValue {
  let elements: Node[];
  switch (node.kind) {
    case 'objectlist':
      elements = node.items.map((item) => ({ kind: 'item', item }));
      break;
    case 'object':
      elements = [node];
      break;
    case 'list':
      elements = [...node.elements];
      break;
    default:
      return fail(node, `unknown slice type: ${node.kind}`);
  }
  for (const el of elements) {
    into.a.push(into.t === 'maps' ? decodeMap(el, undefined) : decodeInterface(el, 'slice'));
  }
  return into;
}

function toPlain(v: GoValue): HclPlainValue {
  switch (v.t) {
    case 'map': {
      const out: HclPlainObject = {};
      for (const [k, val] of v.m) setOwn(out, k, toPlain(val));
      return out;
    }
    case 'maps':
    case 'slice':
      return v.a.map(toPlain);
    default:
      return v.v;
  }
}
