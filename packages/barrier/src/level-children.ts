/**
 * The direct-children walk over a LevelDB key range, shared by every LevelDB-backed physical
 * backend (FileBackend here, the raft FSM in packages/server) so that their `list` semantics
 * cannot drift apart.
 */

/** The part of a LevelDB key iterator the walk needs (`db.keys<Buffer>({ keyEncoding: 'buffer', ... })`). */
export interface LevelKeyCursor {
  next(): Promise<Buffer | undefined>;
  seek(target: Buffer): void;
  close(): Promise<void>;
}

/** Opens a key cursor over `[gte, lt)`, keys as their raw bytes. */
export type OpenLevelKeyCursor = (range: { readonly gte: Buffer; readonly lt: Buffer }) => LevelKeyCursor;

/** The byte after '/' (0x2F): seeking to `folder + 0x30` skips everything inside `folder/`. */
const AFTER_SLASH = 0x30;
/** Never part of UTF-8, so `prefix + 0xFF` bounds every UTF-8 key starting with `prefix`. */
const UTF8_UPPER_BOUND = Buffer.from([0xff]);

/**
 * Direct children of `prefix` among keys stored as their UTF-8 bytes: keys as their remaining
 * suffix, folders as `name/` once each, in byte (= code-point) order. Iterates the byte range
 * `[prefix, prefix ‖ 0xFF)` and, on meeting a key inside a sub-folder, records the folder once
 * and seeks past all of its keys, so the cost is proportional to the number of children, not
 * to the size of the subtree. Keys that are not UTF-8 (e.g. starting with 0xFF) are never seen.
 */
export async function listLevelChildren(openCursor: OpenLevelKeyCursor, prefix: string): Promise<string[]> {
  const start = Buffer.from(prefix, 'utf8');
  const it = openCursor({ gte: start, lt: Buffer.concat([start, UTF8_UPPER_BOUND]) });
  const children: string[] = [];
  try {
    for (;;) {
      const key = await it.next();
      if (key === undefined) break;
      if (key.length < start.length || start.compare(key, 0, start.length) !== 0) break;
      const rest = key.subarray(start.length);
      const slash = rest.indexOf(0x2f);
      if (slash === -1) {
        children.push(rest.toString('utf8'));
      } else {
        const folder = rest.subarray(0, slash);
        children.push(`${folder.toString('utf8')}/`);
        it.seek(Buffer.concat([start, folder, Buffer.from([AFTER_SLASH])]));
      }
    }
  } finally {
    await it.close();
  }
  return children;
}
