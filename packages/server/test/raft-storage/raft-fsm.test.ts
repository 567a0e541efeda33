import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TxnOp } from '@coffer/barrier';
import { ConfChangeType, EntryType, encodeConfChange } from '@coffer/raft';
import type { Entry, SnapshotMetadata } from '@coffer/raft';
import { SnapshotError, readSnapshot } from '@coffer/snapshot';
import { RaftFsm } from '../../src/raft-storage/raft-fsm.js';
import type { FsmChange } from '../../src/raft-storage/raft-fsm.js';
import { RaftStorageError } from '../../src/raft-storage/raft-storage-error.js';
import { encodeStorageCommand } from '../../src/raft-storage/storage-command.js';
import { FIXED_CLOCK, dump } from './raft-storage-cluster.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString();

const roots: string[] = [];
const open = new Set<RaftFsm>();
void after(async () => {
  for (const f of open) await f.close().catch(() => undefined);
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-raft-fsm-'));
  roots.push(dir);
  return dir;
}

async function openFsm(
  dir: string,
  options: Partial<Parameters<typeof RaftFsm.open>[0]> = {},
): Promise<RaftFsm> {
  const fsm = await RaftFsm.open({ dir, clock: FIXED_CLOCK, ...options });
  open.add(fsm);
  return fsm;
}

async function closeFsm(fsm: RaftFsm): Promise<void> {
  await fsm.close();
  open.delete(fsm);
}

function cmd(index: number, term: number, ops: readonly TxnOp[]): Entry {
  return { index, term, type: EntryType.Normal, data: encodeStorageCommand(ops) };
}

const put = (key: string, value: string): TxnOp => ({ kind: 'put', key, value: bytes(value) });
const del = (key: string): TxnOp => ({ kind: 'delete', key });
const noop = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array(0),
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function* chunks(data: Buffer, size = 1000): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const META = (index: number, term: number): SnapshotMetadata => ({
  index,
  term,
  confState: { voters: ['a', 'b', 'c'], learners: [] },
});

void describe('RaftFsm', () => {
  void it('applies a batch atomically with its applied index, and reports the keys changed', async () => {
    const dir = await newDir();
    const fsm = await openFsm(dir);
    assert.equal(await fsm.appliedIndex(), 0);
    const changes: FsmChange[] = [];
    fsm.on('change', (c) => changes.push(c));
    await fsm.apply([
      noop(1, 1),
      cmd(2, 1, [put('core/keyring', 'k1'), put('a/b', 'x')]),
      {
        index: 3,
        term: 1,
        type: EntryType.ConfChange,
        data: encodeConfChange({ type: ConfChangeType.AddVoter, nodeId: 'd', context: bytes('mem://d') }),
      },
      cmd(4, 2, [del('a/b'), put('a/c', 'y'), put('core/keyring', 'k2')]),
    ]);
    assert.deepEqual(changes, [
      { kind: 'apply', firstIndex: 1, lastIndex: 4, keys: ['core/keyring', 'a/b', 'a/c'] },
    ]);
    await fsm.apply([noop(5, 3)]);
    assert.deepEqual(changes[1], { kind: 'apply', firstIndex: 5, lastIndex: 5, keys: [] });
    assert.equal(fsm.applied, 5);
    assert.equal(fsm.appliedTerm, 3);
    assert.equal(text(await fsm.get('core/keyring')), 'k2');
    assert.equal(await fsm.get('a/b'), undefined);
    assert.deepEqual(await fsm.list(''), ['a/', 'core/']);
    await closeFsm(fsm);

    const again = await openFsm(dir);
    assert.equal(
      await again.appliedIndex(),
      5,
      'empty and ConfChange entries advanced the durable applied index',
    );
    assert.equal(again.appliedTerm, 3);
    assert.deepEqual(await dump(again), [
      ['a/c', Buffer.from('y').toString('hex')],
      ['core/keyring', Buffer.from('k2').toString('hex')],
    ]);
  });

  void it('never applies an entry twice and refuses gaps', async () => {
    const fsm = await openFsm(await newDir());
    await fsm.apply([cmd(1, 1, [put('n', '1')]), cmd(2, 1, [put('n', '2')])]);
    await fsm.apply([cmd(2, 1, [put('n', 'replayed')]), cmd(3, 1, [put('m', '3')])]);
    assert.equal(fsm.duplicatesSkipped, 1);
    assert.equal(text(await fsm.get('n')), '2');
    assert.equal(text(await fsm.get('m')), '3');
    await assert.rejects(fsm.apply([cmd(5, 1, [put('gap', 'x')])]), /gap/);
    assert.equal(fsm.applied, 3);
  });

  void it('a batch holding a corrupt command applies none of its entries', async () => {
    const fsm = await openFsm(await newDir());
    await fsm.apply([cmd(1, 1, [put('keep', 'v')])]);
    const corrupt: Entry = { index: 3, term: 1, type: EntryType.Normal, data: Uint8Array.of(9, 9, 9) };
    await assert.rejects(fsm.apply([cmd(2, 1, [put('lost', 'x'), del('keep')]), corrupt]), (err: unknown) =>
      RaftStorageError.is(err, 'corrupt_command'),
    );
    assert.equal(fsm.applied, 1);
    assert.equal(await fsm.get('lost'), undefined);
    assert.equal(text(await fsm.get('keep')), 'v');
  });

  void it('snapshot() streams the state as of the call through the snapshot archive format', async () => {
    const fsm = await openFsm(await newDir(), {
      snapshotContext: () => ({
        confState: { voters: ['a', 'b'], learners: ['c'] },
        keyringFingerprint: 'fp-1',
      }),
    });
    await fsm.apply([cmd(1, 2, [put('x/1', 'one'), put('x/2', 'two'), put('ü', 'u')])]);
    const stream = await fsm.snapshot();
    // Written after the snapshot was taken, before a byte of it was read: not in it.
    await fsm.apply([cmd(2, 2, [put('x/3', 'three'), del('x/1')])]);
    const reader = await readSnapshot(stream);
    assert.deepEqual(reader.meta, {
      index: 1,
      term: 2,
      configuration: { voters: ['a', 'b'], learners: ['c'] },
      createdAt: '2025-01-02T03:04:05.000Z',
      keyringFingerprint: 'fp-1',
    });
    const got: [string, string][] = [];
    for await (const e of reader.entries) got.push([e.key, Buffer.from(e.value).toString()]);
    assert.deepEqual(got, [
      ['x/1', 'one'],
      ['x/2', 'two'],
      ['ü', 'u'],
    ]);
    // Raft's metadata, when passed, wins over the FSM's own view.
    const withMeta = await readSnapshot(await fsm.snapshot(META(2, 2)));
    assert.deepEqual(withMeta.meta.configuration, { voters: ['a', 'b', 'c'], learners: [] });
    await withMeta.close();
  });

  void it('restore() replaces the whole state and sets the applied index, durably', async () => {
    const source = await openFsm(await newDir());
    await source.apply([cmd(1, 1, [put('new/a', 'A'), put('new/b', 'B'), put('both', 'from-snapshot')])]);
    await source.apply([noop(2, 1), cmd(3, 4, [put('big', 'z'.repeat(300_000))])]);
    const archive = await collect(await source.snapshot());

    const dir = await newDir();
    const target = await openFsm(dir);
    await target.apply([cmd(1, 1, [put('old/x', 'X'), put('both', 'old')]), noop(2, 1)]);
    const changes: FsmChange[] = [];
    target.on('change', (c) => changes.push(c));
    await target.restore(chunks(archive), META(3, 4));
    assert.deepEqual(changes, [{ kind: 'restore', index: 3 }]);
    assert.equal(target.applied, 3);
    assert.equal(target.appliedTerm, 4);
    assert.deepEqual(await dump(target), await dump(source));
    assert.equal(await target.get('old/x'), undefined);
    // The FSM keeps applying after the snapshot.
    await target.apply([cmd(4, 4, [put('after', '1')])]);
    await closeFsm(target);
    const again = await openFsm(dir);
    assert.equal(await again.appliedIndex(), 4);
    assert.equal(text(await again.get('both')), 'from-snapshot');
    assert.equal(text(await again.get('after')), '1');
  });

  void it('restore() refuses an archive taken at another index, keeping the state', async () => {
    const source = await openFsm(await newDir());
    await source.apply([cmd(1, 1, [put('k', 'new')])]);
    const archive = await collect(await source.snapshot());
    const target = await openFsm(await newDir());
    await target.apply([cmd(1, 1, [put('k', 'old')])]);
    await assert.rejects(target.restore(chunks(archive), META(9, 1)), (err: unknown) =>
      SnapshotError.is(err, 'MALFORMED'),
    );
    assert.equal(text(await target.get('k')), 'old');
    assert.equal(target.applied, 1);
  });

  void it('reads during a restore see the old state or the new one, never an error', async () => {
    const source = await openFsm(await newDir());
    const many = Array.from({ length: 2000 }, (_, i) => put(`k/${String(i).padStart(4, '0')}`, `new-${i}`));
    await source.apply([cmd(1, 1, many)]);
    const archive = await collect(await source.snapshot());
    const target = await openFsm(await newDir());
    await target.apply([cmd(1, 1, [put('k/0007', 'old-7')])]);
    const restoring = target.restore(chunks(archive, 4096), META(1, 1));
    const seen = new Set<string | undefined>();
    let done = false;
    void restoring.finally(() => (done = true));
    // Point reads may answer synchronously from LevelDB: yield between them as I/O-driven readers do.
    while (!done) {
      seen.add(text(await target.get('k/0007')));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await restoring;
    seen.add(text(await target.get('k/0007')));
    for (const v of seen) assert.ok(v === 'old-7' || v === 'new-7', `unexpected ${String(v)}`);
    assert.ok(seen.has('new-7'));
    assert.equal((await target.list('k/')).length, 2000);
  });
});
