import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError, parseKeyValueArgs } from '../src/index.js';

const noStdin = async (): Promise<string> => {
  throw new Error('stdin not expected');
};

void describe('parseKeyValueArgs', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-kv-args-'));
    await writeFile(join(dir, 'value.txt'), 'file-content\n');
    await writeFile(join(dir, 'data.json'), '{"fromfile": "yes", "n": 3}');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('builds string values; the first "=" splits key and value', async () => {
    assert.deepEqual(await parseKeyValueArgs(['a=1', 'b=x=y', 'c='], noStdin), { a: '1', b: 'x=y', c: '' });
  });

  void it('turns a repeated key into a list', async () => {
    assert.deepEqual(await parseKeyValueArgs(['k=1', 'k=2', 'k=3'], noStdin), { k: ['1', '2', '3'] });
  });

  void it('reads K=@file verbatim and keeps K=\\@x literal', async () => {
    const data = await parseKeyValueArgs([`v=@${join(dir, 'value.txt')}`, 'w=\\@literal'], noStdin);
    assert.deepEqual(data, { v: 'file-content\n', w: '@literal' });
  });

  void it('reads K=- from stdin, and a lone "-" or "@file" as a JSON object', async () => {
    assert.deepEqual(await parseKeyValueArgs(['v=-'], async () => 'from-stdin'), { v: 'from-stdin' });
    assert.deepEqual(await parseKeyValueArgs(['-', 'x=1'], async () => '{"a": {"b": true}}'), {
      a: { b: true },
      x: '1',
    });
    assert.deepEqual(await parseKeyValueArgs([`@${join(dir, 'data.json')}`], noStdin), {
      fromfile: 'yes',
      n: 3,
    });
  });

  void it('uses stdin once only', async () => {
    await assert.rejects(
      parseKeyValueArgs(['a=-', 'b=-'], async () => 'x'),
      /stdin already consumed/,
    );
  });

  void it('rejects words without "=", bad JSON and missing files as usage errors', async () => {
    const usage = (e: unknown): boolean => e instanceof CliError && e.exitCode === 1;
    await assert.rejects(parseKeyValueArgs(['novalue'], noStdin), usage);
    await assert.rejects(
      parseKeyValueArgs(['-'], async () => '[1]'),
      usage,
    );
    await assert.rejects(
      parseKeyValueArgs(['-'], async () => '{nope'),
      usage,
    );
    await assert.rejects(parseKeyValueArgs([`x=@${join(dir, 'missing')}`], noStdin), usage);
  });

  void it('ignores empty words', async () => {
    assert.deepEqual(await parseKeyValueArgs(['', 'a=b'], noStdin), { a: 'b' });
  });
});
