import type { HclExpr, HclItem, HclKey, HclObject } from './hcl-ast.js';

/** One key and its value in an object body, with block labels unfolded into nested objects. */
export interface HclEntry {
  readonly key: HclKey;
  readonly value: HclExpr;
  /** The item the entry comes from (for blocks with labels, the outermost item). */
  readonly item: HclItem;
}

/**
 * The entries of an object, in source order, with a block's labels turned into nested objects:
 * `path "a" { x = 1 }` is the entry `path` whose value is an object holding the entry `a`
 * (an object holding `x`). This is the shape a JSON document gives
 * (`{"path": {"a": {"x": 1}}}`), so code walking the result handles HCL and JSON alike.
 * Nested objects made from labels are positioned at their label.
 */
export function unfoldItems(object: HclObject): HclEntry[] {
  return object.items.map((item) => {
    const [first, ...rest] = item.keys;
    if (first === undefined) throw new Error('an HCL item always has a key');
    return { key: first, value: wrap(rest, item), item };
  });
}

function wrap(labels: readonly HclKey[], item: HclItem): HclExpr {
  const [label, ...rest] = labels;
  if (label === undefined) return item.value;
  const inner: HclItem = {
    kind: 'item',
    keys: [label, ...rest],
    assign: false,
    value: item.value,
    pos: label.pos,
  };
  return { kind: 'object', items: [inner], pos: label.pos };
}
