import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseHcl, parseJson } from '@coffer/server';
import { formatPolicy, policyTreeFromJson, validatePolicy } from '../src/index.js';
import { runInProcess } from './helpers/run-cli-in-process.js';

void describe('formatPolicy', () => {
  void it('re-indents with two spaces, aligns "=", separates blocks and keeps comments', () => {
    const source = [
      '# Team policy',
      'path "secret/data/team/*" {',
      'capabilities=["create","read", "update"]   # main rights',
      '  min_wrapping_ttl = "1s"',
      '  max_wrapping_ttl = 90',
      '}',
      'path "sys/*" { capabilities = ["deny"] }',
      '',
    ].join('\n');
    assert.equal(
      formatPolicy(parseHcl(source)),
      [
        '# Team policy',
        'path "secret/data/team/*" {',
        '  capabilities     = ["create", "read", "update"] # main rights',
        '  min_wrapping_ttl = "1s"',
        '  max_wrapping_ttl = 90',
        '}',
        '',
        'path "sys/*" {',
        '  capabilities = ["deny"]',
        '}',
        '',
      ].join('\n'),
    );
  });

  void it('prints nested objects and long lists on several lines', () => {
    const caps = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo']
      .map((c) => `"${c}"`)
      .join(',');
    const source = `path "a/very/long/path/to/make/the/line/long/*" { capabilities = [${caps}]\nallowed_parameters = { "k" = [] } }`;
    const out = formatPolicy(parseHcl(source));
    assert.equal(
      out,
      [
        'path "a/very/long/path/to/make/the/line/long/*" {',
        '  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo"]',
        '',
        '  allowed_parameters = {',
        '    "k" = []',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const longer = formatPolicy(
      parseHcl(`path "x" { capabilities = [${caps},"deny","recover","scan","subscribe"] }`),
    );
    assert.match(longer, /capabilities = \[\n {4}"create",\n/);
    assert.match(longer, / {4}"subscribe",\n {2}\]\n\}\n$/);
  });

  void it('is stable: formatting formatted text changes nothing', () => {
    const once = formatPolicy(
      parseHcl('path "a" {\ncapabilities = ["read"]\n}\npath "b" { capabilities = ["list"] }\n'),
    );
    assert.equal(formatPolicy(parseHcl(once)), once);
  });

  void it('turns JSON policies into HCL', () => {
    const json =
      '{"path": {"secret/*": {"capabilities": ["read"], "allowed_parameters": {"ttl": []}}, "sys/x": {"capabilities": ["deny"]}}}';
    assert.equal(
      formatPolicy(policyTreeFromJson(parseJson(json))),
      [
        'path "secret/*" {',
        '  capabilities = ["read"]',
        '',
        '  allowed_parameters = {',
        '    "ttl" = []',
        '  }',
        '}',
        '',
        'path "sys/x" {',
        '  capabilities = ["deny"]',
        '}',
        '',
      ].join('\n'),
    );
  });

  void it('validates keys and capabilities', () => {
    assert.deepEqual(validatePolicy(parseHcl('path "x" { capabilities = ["read", "sudo"] }')), []);
    assert.match(
      validatePolicy(parseHcl('path "x" { capabilities = ["reed"] }')).join(),
      /invalid capability "reed"/,
    );
    assert.match(
      validatePolicy(parseHcl('paths "x" { capabilities = ["read"] }')).join(),
      /invalid key "paths"/,
    );
    assert.match(
      validatePolicy(parseHcl('path "x" { capability = ["read"] }')).join(),
      /invalid key "capability"/,
    );
    assert.match(validatePolicy(parseHcl('path "x" { policy = "admin" }')).join(), /invalid policy value/);
    assert.deepEqual(validatePolicy(parseJson('{"path": {"secret/*": {"capabilities": ["read"]}}}')), []);
  });
});

void describe('coffer policy fmt', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-policy-fmt-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('rewrites the file in place and needs no server', async () => {
    const file = join(dir, 'p.hcl');
    await writeFile(file, 'path "a" {capabilities=["read"]}');
    const r = await runInProcess(['policy', 'fmt', file], { HOME: dir, VAULT_ADDR: 'http://127.0.0.1:1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Success! Formatted policy: ${file}\n`);
    assert.equal(await readFile(file, 'utf8'), 'path "a" {\n  capabilities = ["read"]\n}\n');
  });

  void it('refuses invalid policies and syntax errors with exit 1, leaving the file alone', async () => {
    const bad = join(dir, 'bad.hcl');
    await writeFile(bad, 'path "x" { capabilities = ["reed"] }');
    const r = await runInProcess(['policy', 'fmt', bad], { HOME: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid capability "reed"/);
    assert.equal(await readFile(bad, 'utf8'), 'path "x" { capabilities = ["reed"] }');
    const broken = join(dir, 'broken.hcl');
    await writeFile(broken, 'path "x" { capabilities = ["read"\n');
    const s = await runInProcess(['policy', 'fmt', broken], { HOME: dir });
    assert.equal(s.code, 1);
    assert.match(s.stderr, /Failed to parse policy: .*broken\.hcl:2:1/);
    const missing = await runInProcess(['policy', 'fmt', join(dir, 'none.hcl')], { HOME: dir });
    assert.equal(missing.code, 1);
  });
});
