import type { HclExpr, HclFile, HclItem, HclObject } from './hcl-ast.js';
import { HclSyntaxError } from './hcl-syntax-error.js';
import { getOwn, setOwn, type HclPlainObject, type HclPlainValue } from './hcl-plain-value.js';

/**
 * Decodes a syntax tree to plain JS values, the convenient way:
 *
 * - a block's labels become nested objects: `path "a" {..}  path "b" {..}` gives
 *   `{ path: { a: {..}, b: {..} } }`; `storage "raft" { .. }` gives `{ storage: { raft: {..} } }`;
 * - a block or object written once is an object; written again under the same key path it
 *   becomes an array of objects, in source order (`listener "tcp" {..}` twice gives
 *   `{ listener: { tcp: [{..}, {..}] } }`);
 * - lists assigned again to the same key are concatenated (HCL1 does this too);
 * - a scalar assigned again replaces the earlier value (last one wins, as in HCL1);
 * - `${...}` and heredocs are plain strings.
 *
 * This differs from HCL1's own decoding (`decodeHcl1`), which wraps every object that is not at
 * the root or directly in a list in an array. Callers that need to see every repetition with its
 * position should walk the tree (see `unfoldItems`) instead.
 *
 * Throws `HclSyntaxError` when a key is used both as a block label and as a value, or as a
 * scalar and as a list/object.
 */
export function decodeHcl(node: HclFile | HclExpr): HclPlainValue {
  const state: DecodeState = { repeated: new WeakSet(), containers: new WeakSet() };
  return decodeExpr(node.kind === 'file' ? node.body : node, state);
}

interface DecodeState {
  /** Arrays made by repeating a block/object (as opposed to list values). */
  readonly repeated: WeakSet<HclPlainValue[]>;
  /** Objects that exist only as label containers (`path` in `path "a" {}`). */
  readonly containers: WeakSet<HclPlainObject>;
}

function decodeExpr(node: HclExpr, state: DecodeState): HclPlainValue {
  switch (node.kind) {
    case 'object':
      return decodeObject(node, state);
    case 'list':
      return node.elements.map((e) => decodeExpr(e, state));
    default:
      return node.value;
  }
}

function decodeObject(node: HclObject, state: DecodeState): HclPlainObject {
  const out: HclPlainObject = {};
  for (const item of node.items) place(out, item, state);
  return out;
}

const isObject = (v: HclPlainValue | undefined): v is HclPlainObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function place(out: HclPlainObject, item: HclItem, state: DecodeState): void {
  let target = out;
  const labels = item.keys.slice(0, -1);
  for (const key of labels) {
    const existing = getOwn(target, key.name);
    if (existing === undefined) {
      const container: HclPlainObject = {};
      state.containers.add(container);
      setOwn(target, key.name, container);
      target = container;
    } else if (isObject(existing) && state.containers.has(existing)) {
      target = existing;
    } else {
      throw new HclSyntaxError(key.pos, `"${key.name}" is used both as a block label and as a value`);
    }
  }
  const leaf = item.keys[item.keys.length - 1];
  if (leaf === undefined) return;
  const value = decodeExpr(item.value, state);
  const existing = getOwn(target, leaf.name);
  if (existing === undefined) {
    setOwn(target, leaf.name, value);
    return;
  }
  const conflict = (): never => {
    throw new HclSyntaxError(leaf.pos, `"${leaf.name}" is given again with a different kind of value`);
  };
  if (isObject(value)) {
    if (isObject(existing) && !state.containers.has(existing)) {
      const arr = [existing, value];
      state.repeated.add(arr);
      setOwn(target, leaf.name, arr);
    } else if (Array.isArray(existing) && state.repeated.has(existing)) {
      existing.push(value);
    } else {
      conflict();
    }
  } else if (Array.isArray(value)) {
    if (Array.isArray(existing) && !state.repeated.has(existing)) existing.push(...value);
    else conflict();
  } else if (typeof existing !== 'object') {
    setOwn(target, leaf.name, value);
  } else {
    conflict();
  }
}
