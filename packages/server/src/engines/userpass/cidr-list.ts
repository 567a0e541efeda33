import { BlockList, isIP } from 'node:net';

/**
 * CIDR bindings of auth methods (`token_bound_cidrs`, AppRole `secret_id_bound_cidrs`,
 * `cidr_list`): parsing, client-address matching and subset checks, on `node:net` BlockList.
 *
 * Semantics follow Go's `net.IPNet.Contains`, which Vault uses:
 * - a bare address is a single-host block (`/32` or `/128`);
 * - IPv4-mapped IPv6 is IPv4: a client at `::ffff:127.0.0.1` (what a dual-stack listener
 *   reports) matches `127.0.0.0/8`, and `::ffff:10.0.0.0/104` is the block `10.0.0.0/8`;
 * - otherwise the families never mix: `::/0` does not match IPv4 clients and `0.0.0.0/0`
 *   does not match IPv6 ones (BlockList alone would map IPv4 into IPv6 blocks).
 */

type Family = 'ipv4' | 'ipv6';

/** One parsed block; `address` is in a form BlockList accepts for `family`. */
export interface CidrBlock {
  readonly family: Family;
  readonly address: string;
  readonly prefix: number;
}

interface ParsedAddress {
  readonly family: Family;
  readonly address: string;
}

/** The 16 bytes of an IPv6 address text (already validated by `isIP`), or undefined. */
function ipv6Bytes(text: string): number[] | undefined {
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    if (isIP(last) !== 4) return undefined;
    tail.push(...last.split('.').map(Number));
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const bytes = words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** `::ffff:a.b.c.d` (any spelling) → `a.b.c.d`; anything else → undefined. */
function mappedIpv4(text: string): string | undefined {
  const bytes = ipv6Bytes(text);
  if (bytes === undefined) return undefined;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return undefined;
  return bytes.slice(12).join('.');
}

/**
 * A client address as the HTTP layer reports it (`req.socket.remoteAddress`): IPv4, IPv6,
 * IPv4-mapped IPv6, optionally bracketed or with a zone (`fe80::1%eth0`). Undefined when empty
 * or not an IP address.
 */
export function parseClientAddress(raw: string): ParsedAddress | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const family = isIP(text);
  if (family === 4) return { family: 'ipv4', address: text };
  if (family !== 6) return undefined;
  const v4 = mappedIpv4(text);
  return v4 !== undefined ? { family: 'ipv4', address: v4 } : { family: 'ipv6', address: text };
}

/** Parses `a.b.c.d/n`, `x::y/n` or a bare address; undefined when invalid. */
export function parseCidr(raw: string): CidrBlock | undefined {
  const text = raw.trim();
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(addr);
  if (family === 0 || addr.includes('%')) return undefined;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/u.test(bits)) return undefined;
    prefix = Number(bits);
    if (prefix > max) return undefined;
  }
  if (family === 4) return { family: 'ipv4', address: addr, prefix };
  const v4 = mappedIpv4(addr);
  if (v4 !== undefined && prefix >= 96) return { family: 'ipv4', address: v4, prefix: prefix - 96 };
  return { family: 'ipv6', address: addr, prefix };
}

/**
 * Validates a list of CIDR texts: returns them trimmed (empty items dropped), or the first
 * invalid item as `invalid`.
 */
export function validateCidrList(items: readonly string[]): {
  readonly cidrs: string[];
  readonly invalid?: string;
} {
  const cidrs = items.map((s) => s.trim()).filter((s) => s !== '');
  const invalid = cidrs.find((c) => parseCidr(c) === undefined);
  return invalid === undefined ? { cidrs } : { cidrs, invalid };
}

/** Matches addresses against a fixed set of blocks; invalid texts in the set are ignored. */
export class CidrMatcher {
  readonly #v4 = new BlockList();
  readonly #v6 = new BlockList();
  /** Each block with a list holding just that block (for subset checks). */
  readonly #blocks: ReadonlyArray<{ readonly block: CidrBlock; readonly list: BlockList }>;

  constructor(cidrs: readonly string[]) {
    const blocks: Array<{ block: CidrBlock; list: BlockList }> = [];
    for (const text of cidrs) {
      const block = parseCidr(text);
      if (block === undefined) continue;
      (block.family === 'ipv4' ? this.#v4 : this.#v6).addSubnet(block.address, block.prefix, block.family);
      const list = new BlockList();
      list.addSubnet(block.address, block.prefix, block.family);
      blocks.push({ block, list });
    }
    this.#blocks = blocks;
  }

  /** Number of valid blocks. */
  get size(): number {
    return this.#blocks.length;
  }

  /** True when the client address lies in one of the blocks (false for unparseable addresses). */
  allows(clientAddress: string): boolean {
    const parsed = parseClientAddress(clientAddress);
    if (parsed === undefined) return false;
    // Same-family lists only: BlockList would otherwise match IPv4 clients against IPv6 blocks.
    return parsed.family === 'ipv4'
      ? this.#v4.check(parsed.address, 'ipv4')
      : this.#v6.check(parsed.address, 'ipv6');
  }

  /**
   * True when the whole `block` lies inside one of this matcher's blocks: an outer block of the
   * same family, no longer prefix, containing the inner block's address (masking by the
   * shorter prefix gives the same network for every address of the inner block).
   */
  containsBlock(block: CidrBlock): boolean {
    return this.#blocks.some(
      ({ block: outer, list }) =>
        outer.family === block.family &&
        outer.prefix <= block.prefix &&
        list.check(block.address, block.family),
    );
  }
}

/** True when `clientAddress` is allowed by `cidrs` (an empty list allows everything). */
export function addressAllowed(clientAddress: string, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  return new CidrMatcher(cidrs).allows(clientAddress);
}

/**
 * Vault's `verifyCIDRRoleSecretIDSubset`: every block of `inner` must lie inside some block of
 * `outer`. An empty `outer` imposes nothing.
 */
export function cidrsSubset(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  const matcher = new CidrMatcher(outer);
  return inner.every((text) => {
    const block = parseCidr(text);
    return block !== undefined && matcher.containsBlock(block);
  });
}
