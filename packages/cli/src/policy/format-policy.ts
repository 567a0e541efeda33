import type {
  PolicyComment,
  PolicyExpr,
  PolicyItem,
  PolicyKey,
  PolicyList,
  PolicyObject,
  PolicySyntaxTree,
} from './policy-syntax.js';

const INDENT = '  ';
const MAX_INLINE_LIST = 80;

const TOP_LEVEL_KEYS = new Set(['path', 'name']);
const PATH_KEYS = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);
const CAPABILITIES = new Set([
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'deny',
  'subscribe',
  'recover',
  'scan',
]);
const LEGACY_POLICIES = new Set(['deny', 'read', 'write', 'sudo']);

function at(pos: { line: number; column: number }): string {
  return `${pos.line}:${pos.column}`;
}

/**
 * Checks the structure of an ACL policy: top-level `path "<pattern>" { ... }` blocks (and an
 * optional `name`), known keys inside them, and known capabilities. Returns the problems found
 * (`line:column: reason`), empty when the policy is valid.
 */
export function validatePolicy(tree: PolicySyntaxTree): string[] {
  const problems: string[] = [];
  for (const item of tree.body.items) {
    const key = item.keys[0]?.name ?? '';
    if (!TOP_LEVEL_KEYS.has(key)) {
      problems.push(`${at(item.pos)}: invalid key "${key}" (a policy holds "path" blocks)`);
      continue;
    }
    if (key === 'name') continue;
    if (item.value.kind !== 'object') {
      problems.push(`${at(item.pos)}: "path" must be a block: path "<pattern>" { ... }`);
      continue;
    }
    const entries: { label: string; body: PolicyObject; pos: PolicyItem['pos'] }[] = [];
    if (item.keys.length === 2) {
      entries.push({ label: (item.keys[1] as PolicyKey).name, body: item.value, pos: item.pos });
    } else if (item.keys.length === 1) {
      // `path = { "pattern" = { ... } }` form (also what JSON policies look like)
      for (const inner of item.value.items) {
        if (inner.value.kind !== 'object') {
          problems.push(`${at(inner.pos)}: path "${inner.keys[0]?.name ?? ''}" must be an object`);
          continue;
        }
        entries.push({ label: inner.keys.map((k) => k.name).join('/'), body: inner.value, pos: inner.pos });
      }
    } else {
      problems.push(`${at(item.pos)}: "path" takes exactly one label`);
      continue;
    }
    for (const entry of entries) {
      for (const rule of entry.body.items) {
        const name = rule.keys[0]?.name ?? '';
        if (!PATH_KEYS.has(name)) {
          problems.push(`${at(rule.pos)}: invalid key "${name}" in path "${entry.label}"`);
          continue;
        }
        if (name === 'capabilities') {
          if (rule.value.kind !== 'list') {
            problems.push(`${at(rule.pos)}: capabilities must be a list of strings`);
            continue;
          }
          for (const cap of rule.value.elements) {
            if (cap.kind !== 'string' || !CAPABILITIES.has(cap.value.toLowerCase())) {
              const shown = cap.kind === 'string' ? cap.value : cap.kind;
              problems.push(`${at(cap.pos)}: invalid capability "${shown}" in path "${entry.label}"`);
            }
          }
        }
        if (name === 'policy') {
          if (rule.value.kind !== 'string' || !LEGACY_POLICIES.has(rule.value.value)) {
            problems.push(
              `${at(rule.pos)}: invalid policy value in path "${entry.label}" (deny, read, write or sudo)`,
            );
          }
        }
      }
    }
  }
  return problems;
}

function quote(text: string): string {
  return JSON.stringify(text);
}

function keyText(key: PolicyKey): string {
  return key.quoted || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key.name) ? quote(key.name) : key.name;
}

function isLiteral(expr: PolicyExpr): boolean {
  return expr.kind === 'string' || expr.kind === 'number' || expr.kind === 'bool';
}

/** Pretty-prints an HCL1 policy: two-space indent, aligned `=`, one blank line between blocks. */
export function formatPolicy(tree: PolicySyntaxTree): string {
  const printer = new Printer(tree.comments);
  const lines = printer.body(tree.body.items, 0, 0, Infinity);
  lines.push(...printer.remaining(0));
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

class Printer {
  private readonly comments: PolicyComment[];

  constructor(comments: readonly PolicyComment[]) {
    this.comments = [...comments].sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  }

  /** Comments that start before `line`, removed from the pool. */
  private takeBefore(line: number, minColumn = 0): PolicyComment[] {
    const taken: PolicyComment[] = [];
    while (this.comments.length > 0) {
      const c = this.comments[0] as PolicyComment;
      if (c.pos.line >= line || c.pos.column <= minColumn) break;
      taken.push(c);
      this.comments.shift();
    }
    return taken;
  }

  /** A comment on `line` after `column` (trailing comment), removed from the pool. */
  private takeTrailing(line: number, column: number): PolicyComment | undefined {
    const idx = this.comments.findIndex((c) => c.pos.line === line && c.pos.column > column);
    if (idx === -1) return undefined;
    return this.comments.splice(idx, 1)[0];
  }

  remaining(depth: number): string[] {
    return this.comments.splice(0).flatMap((c) => this.comment(c, depth));
  }

  private comment(c: PolicyComment, depth: number): string[] {
    const pad = INDENT.repeat(depth);
    return c.text
      .replace(/\s+$/, '')
      .split('\n')
      .map((l, i) => (i === 0 ? pad + l : l));
  }

  /**
   * Lines of a body. `parentColumn` is the column of the item owning the body: comments after
   * its last item that are indented deeper belong inside; `endLine` bounds them.
   */
  body(items: readonly PolicyItem[], depth: number, parentColumn: number, endLine: number): string[] {
    const out: string[] = [];
    const pad = INDENT.repeat(depth);
    let group: { key: string; rest: string[]; trailing: string }[] = [];
    const flush = (): void => {
      const width = group.reduce((m, g) => Math.max(m, g.key.length), 0);
      for (const g of group) {
        const [first, ...more] = g.rest;
        out.push(`${pad}${g.key.padEnd(width)} = ${first ?? ''}${g.trailing}`);
        out.push(...more);
      }
      group = [];
    };
    let previousWasBlock = false;
    items.forEach((item, index) => {
      const leading = this.takeBefore(item.pos.line);
      const value = this.expr(item.value, depth, item.pos.column);
      const multiLine = value.length > 1;
      const block = !item.assign || multiLine;
      if (leading.length > 0 || block || previousWasBlock) flush();
      if (index > 0 && (block || previousWasBlock)) out.push('');
      for (const c of leading) out.push(...this.comment(c, depth));
      const trailingComment = this.takeTrailing(item.pos.line, item.pos.column);
      const trailing = trailingComment && !multiLine ? ` ${trailingComment.text.trim()}` : '';
      if (trailingComment && multiLine) out.push(...this.comment(trailingComment, depth));
      if (item.assign) {
        const key = keyText(item.keys[0] as PolicyKey);
        if (multiLine) {
          out.push(`${pad}${key} = ${value[0] ?? ''}`);
          out.push(...value.slice(1));
        } else {
          group.push({ key, rest: value, trailing });
        }
      } else {
        const head = item.keys.map((k, i) => (i === 0 ? keyText(k) : quote(k.name))).join(' ');
        out.push(`${pad}${head} ${value[0] ?? ''}${trailing}`);
        out.push(...value.slice(1));
      }
      previousWasBlock = block;
    });
    flush();
    if (depth > 0) {
      const inner = this.takeBefore(endLine, parentColumn);
      for (const c of inner) out.push(...this.comment(c, depth));
    }
    return out;
  }

  /** Lines of a value; the first line continues the line of its key. */
  private expr(expr: PolicyExpr, depth: number, ownerColumn: number): string[] {
    switch (expr.kind) {
      case 'string':
        if (expr.heredoc) {
          let anchor = 'EOT';
          while (expr.value.split('\n').some((l) => l.trim() === anchor)) anchor += 'X';
          const body = expr.value.endsWith('\n') ? expr.value : `${expr.value}\n`;
          return [`<<${anchor}`, ...body.slice(0, -1).split('\n'), anchor];
        }
        return [quote(expr.value)];
      case 'number':
        return [expr.raw];
      case 'bool':
        return [String(expr.value)];
      case 'list':
        return this.list(expr, depth, ownerColumn);
      case 'object': {
        if (expr.items.length === 0) return ['{}'];
        const inner = this.body(expr.items, depth + 1, ownerColumn, Infinity);
        return ['{', ...inner, `${INDENT.repeat(depth)}}`];
      }
    }
  }

  private list(list: PolicyList, depth: number, ownerColumn: number): string[] {
    const pad = INDENT.repeat(depth);
    if (list.elements.length === 0) return ['[]'];
    if (list.elements.every(isLiteral)) {
      const inline = `[${list.elements.map((e) => this.expr(e, depth, ownerColumn)[0] ?? '').join(', ')}]`;
      if (pad.length + inline.length <= MAX_INLINE_LIST) return [inline];
    }
    const lines = ['['];
    for (const el of list.elements) {
      const rendered = this.expr(el, depth + 1, ownerColumn);
      rendered[0] = `${pad}${INDENT}${rendered[0] ?? ''}`;
      rendered[rendered.length - 1] = `${rendered[rendered.length - 1] ?? ''},`;
      lines.push(...rendered);
    }
    lines.push(`${pad}]`);
    return lines;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function unquoteKeys(item: PolicyItem, insideParameters: boolean): PolicyItem {
  const keys = item.keys.map((k) =>
    insideParameters || !IDENTIFIER.test(k.name) ? k : { ...k, quoted: false },
  );
  const name = item.keys[0]?.name ?? '';
  const value =
    item.value.kind === 'object'
      ? {
          ...item.value,
          items: item.value.items.map((i) =>
            unquoteKeys(i, insideParameters || name.endsWith('_parameters')),
          ),
        }
      : item.value;
  return { ...item, keys, value };
}

/**
 * Rewrites a policy parsed from JSON into the shape HCL users write: `path "p" { ... }` blocks
 * instead of `"path" = { "p" = { ... } }`, and bare identifier keys (parameter names stay quoted).
 */
export function policyTreeFromJson(tree: PolicySyntaxTree): PolicySyntaxTree {
  const items: PolicyItem[] = [];
  for (const item of tree.body.items) {
    const name = item.keys[0]?.name ?? '';
    if (name === 'path' && item.keys.length === 1 && item.value.kind === 'object') {
      for (const inner of item.value.items) {
        if (inner.value.kind !== 'object' || inner.keys.length !== 1) {
          items.push(unquoteKeys(item, false));
          continue;
        }
        const block: PolicyItem = {
          kind: 'item',
          keys: [
            { ...(item.keys[0] as PolicyKey), quoted: false },
            { ...(inner.keys[0] as PolicyKey), quoted: true },
          ],
          assign: false,
          value: inner.value,
          pos: inner.pos,
        };
        items.push(unquoteKeys(block, false));
      }
    } else {
      items.push(unquoteKeys(item, false));
    }
  }
  return { ...tree, body: { ...tree.body, items } };
}
