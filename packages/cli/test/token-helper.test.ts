import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenHelper } from '../src/index.js';

void describe('TokenHelper', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-token-helper-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('has no token before one is stored', async () => {
    assert.equal(await new TokenHelper(join(dir, 'none')).get(), undefined);
  });

  void it('stores the token with mode 0600 and reads it back', async () => {
    const helper = new TokenHelper(join(dir, 'tok'));
    await helper.store('hvs.secret');
    assert.equal(await helper.get(), 'hvs.secret');
    assert.equal(await readFile(helper.path, 'utf8'), 'hvs.secret');
    assert.equal((await stat(helper.path)).mode & 0o777, 0o600);
  });

  void it('tightens the mode of an existing file and trims whitespace', async () => {
    const path = join(dir, 'existing');
    await writeFile(path, 'old', { mode: 0o644 });
    const helper = new TokenHelper(path);
    await helper.store('  hvs.new\n');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await writeFile(path, 'hvs.spaced \n');
    assert.equal(await helper.get(), 'hvs.spaced');
  });

  void it('treats an empty file as no token, and erase removes the file', async () => {
    const helper = new TokenHelper(join(dir, 'erase'));
    await writeFile(helper.path, '\n');
    assert.equal(await helper.get(), undefined);
    await helper.store('t');
    await helper.erase();
    assert.equal(await helper.get(), undefined);
    await helper.erase();
  });
});
