/**
 * The server's route inventory, taken from the source: the path specs of the sys engine and of
 * every engine type the sweep mounts, with each regex pattern expanded into concrete sample
 * paths (every sample is checked to match its pattern).
 */
import { createSysEngine } from '../../packages/server/src/sys/sys-engine.js';
import { createKvV1Engine } from '../../packages/server/src/engines/kv/kv-v1-engine.js';
import { createKvV2Engine } from '../../packages/server/src/engines/kv/kv-v2-engine.js';
import { createCubbyholeEngine } from '../../packages/server/src/engines/cubbyhole/cubbyhole-engine-factory.js';
import { userpassEngineFactory } from '../../packages/server/src/engines/userpass/index.js';
import { createAppRoleEngine } from '../../packages/server/src/engines/approle/index.js';
import { tokenEngineFactory } from '../../packages/server/src/tokens/index.js';
import type { Engine, MountInfo } from '../../packages/server/src/logical/engine.js';
import type { PathSpec } from '../../packages/server/src/logical/path-spec.js';

/** Engines are only built here to read their path specs: any dependency use throws. */
const stub = new Proxy(
  {},
  {
    get: () => {
      throw new Error('route inventory: engine dependency used while only listing path specs');
    },
  },
) as never;

const MOUNT: MountInfo = { path: 'x/', type: 'x', accessor: 'x', uuid: 'x', options: {} };

export interface InventoryRoute {
  /** The API path (after `/v1/`). */
  readonly path: string;
  readonly mount: string;
  readonly pattern: string;
  readonly unauthenticated: boolean;
  readonly rootProtected: boolean;
}

/** Engines by mount point, as `startSecurityServer` mounts them. */
export async function engineSpecs(): Promise<{ mount: string; paths: readonly PathSpec[] }[]> {
  const engines: [string, Engine][] = [
    ['sys/', createSysEngine(stub)],
    ['kv1/', createKvV1Engine()],
    ['kv2/', createKvV2Engine(Date.now)],
    ['cubbyhole/', createCubbyholeEngine()],
    ['auth/userpass/', await userpassEngineFactory({ tokens: () => stub }).create(MOUNT, stub)],
    ['auth/approle/', createAppRoleEngine({ tokens: () => stub, logger: stub } as never, stub)],
    ['auth/token/', await tokenEngineFactory(stub).create(MOUNT, stub)],
  ];
  return engines.map(([mount, e]) => ({ mount, paths: e.paths }));
}

// ---- a tiny regex-subset expander ----------------------------------------------------------

type Node =
  | { kind: 'lit'; text: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'rep'; node: Node; min: number };

/** Sample text for one-character atoms. */
function charSample(atom: string): string {
  if (atom === '.') return 'p';
  if (atom === '\\w') return 'n';
  if (atom === '\\d') return '7';
  if (atom.startsWith('[^')) return atom.includes('/') ? 'z' : 'q';
  if (atom.startsWith('[')) return 'w';
  if (atom.startsWith('\\')) return atom.slice(1);
  return atom;
}

function parse(src: string): Node {
  let i = 0;
  const parseAlt = (): Node => {
    const options: Node[] = [parseSeq()];
    while (src[i] === '|') {
      i++;
      options.push(parseSeq());
    }
    return options.length === 1 ? (options[0] as Node) : { kind: 'alt', options };
  };
  const parseSeq = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom: Node;
      const c = src[i] as string;
      if (c === '(') {
        i++;
        if (src[i] === '?') {
          i++;
          if (src[i] === '<') i = src.indexOf('>', i) + 1;
          else if (src[i] === ':') i++;
        }
        atom = parseAlt();
        i++; // ')'
      } else if (c === '[') {
        const end = src.indexOf(']', i + 1);
        atom = { kind: 'lit', text: charSample(src.slice(i, end + 1)) };
        i = end + 1;
      } else if (c === '\\') {
        atom = { kind: 'lit', text: charSample(src.slice(i, i + 2)) };
        i += 2;
      } else {
        atom = { kind: 'lit', text: charSample(c) };
        i++;
      }
      const q = src[i];
      if (q === '?' || q === '*' || q === '+') {
        i++;
        if (src[i] === '?') i++; // lazy
        atom = { kind: 'rep', node: atom, min: q === '+' ? 1 : 0 };
      }
      items.push(atom);
    }
    return { kind: 'seq', items };
  };
  return parseAlt();
}

const CAP = 8;

function expand(node: Node): string[] {
  switch (node.kind) {
    case 'lit':
      return [node.text];
    case 'alt':
      return node.options.flatMap(expand).slice(0, CAP);
    case 'rep': {
      const one = expand(node.node);
      // zero, one, and (for wildcard-ish atoms) a deeper multi-segment sample.
      const out = node.min === 0 ? ['', ...one] : [...one];
      if (node.node.kind === 'lit' && node.node.text === 'p') out.push('deep/er/path');
      return out.slice(0, CAP);
    }
    case 'seq': {
      let acc = [''];
      for (const item of node.items) {
        const next: string[] = [];
        for (const a of acc) for (const b of expand(item)) next.push(a + b);
        acc = [...new Set(next)].slice(0, CAP * CAP);
      }
      return acc;
    }
  }
}

/** Concrete paths matching `pattern` (anchored); throws if the expander produced a non-match. */
export function samplePaths(pattern: string): string[] {
  const re = new RegExp(`^(?:${pattern})$`);
  const out = [...new Set(expand(parse(pattern)))].filter((s) => re.test(s));
  if (out.length === 0) throw new Error(`no sample path for pattern ${pattern}`);
  return out;
}

/** Every route of every engine as concrete API paths. */
export async function routeInventory(): Promise<InventoryRoute[]> {
  const routes: InventoryRoute[] = [];
  for (const { mount, paths } of await engineSpecs()) {
    for (const spec of paths) {
      for (const sample of samplePaths(spec.pattern)) {
        routes.push({
          path: mount + sample,
          mount,
          pattern: spec.pattern,
          unauthenticated: spec.unauthenticated === true,
          rootProtected: spec.rootProtected === true,
        });
      }
    }
  }
  return routes;
}
