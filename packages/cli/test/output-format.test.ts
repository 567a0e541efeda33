import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError, CommandOutput, parseOutputFormat, parseSecret, type VaultSecret } from '../src/index.js';
import { MemoryIo } from './helpers/memory-io.js';

function secret(data: Record<string, unknown> | null, extra: Record<string, unknown> = {}): VaultSecret {
  const s = parseSecret({
    request_id: 'r1',
    lease_id: '',
    lease_duration: 0,
    renewable: false,
    data,
    warnings: null,
    auth: null,
    wrap_info: null,
    ...extra,
  });
  assert.ok(s);
  return s;
}

void describe('parseOutputFormat', () => {
  void it('accepts table, json, yaml (and yml), case-insensitively, defaulting to table', () => {
    assert.equal(parseOutputFormat(undefined), 'table');
    assert.equal(parseOutputFormat('JSON'), 'json');
    assert.equal(parseOutputFormat('yml'), 'yaml');
    assert.throws(
      () => parseOutputFormat('xml'),
      (e: unknown) =>
        e instanceof CliError && e.exitCode === 1 && /Invalid output format: xml/.test(e.message),
    );
  });
});

void describe('table output', () => {
  void it('prints a Key/Value table with sorted keys, Go %v values and n/a for empty cells', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'table').secret(
      secret({ zeta: 'z', alpha: ['a', 'b'], meta: { y: 1, x: true }, none: null, empty: '' }),
    );
    assert.equal(
      io.stdout,
      [
        'Key      Value',
        '---      -----',
        'alpha    [a b]',
        'empty    n/a',
        'meta     map[x:true y:1]',
        'none     <nil>',
        'zeta     z',
        '',
      ].join('\n'),
    );
  });

  void it('shows a lease as refresh_interval (no lease id) and humanises duration-like keys', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'table').secret(
      secret({ ttl: 3600, creation_ttl: 2764800, foo: 'bar' }, { lease_duration: 2764800 }),
    );
    assert.equal(
      io.stdout,
      [
        'Key                 Value',
        '---                 -----',
        'refresh_interval    768h',
        'creation_ttl        768h',
        'foo                 bar',
        'ttl                 1h',
        '',
      ].join('\n'),
    );
  });

  void it('prints the auth block of a token answer', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'table').secret(
      secret(null, {
        auth: {
          client_token: 'hvs.abc',
          accessor: 'acc1',
          policies: ['default', 'ops'],
          token_policies: ['default', 'ops'],
          metadata: { team: 'x' },
          lease_duration: 0,
          renewable: false,
        },
      }),
    );
    assert.match(io.stdout, /^token\s{16}hvs\.abc$/m);
    assert.match(io.stdout, /^token_duration\s+∞$/m);
    assert.match(io.stdout, /^token_policies\s+\["default" "ops"\]$/m);
    assert.match(io.stdout, /^identity_policies\s+\[\]$/m);
    assert.match(io.stdout, /^token_meta_team\s+x$/m);
  });

  void it('prints warnings on stderr, not stdout', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'table').secret(secret({ a: '1' }, { warnings: ['careful now'] }));
    assert.match(io.stderr, /WARNING!/);
    assert.match(io.stderr, /\* careful now/);
    assert.doesNotMatch(io.stdout, /careful/);
  });

  void it('prints a sorted Keys table for lists', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'table').list(secret({ keys: ['b', 'a/', 'c'] }));
    assert.equal(io.stdout, 'Keys\n----\na/\nb\nc\n');
  });
});

void describe('json and yaml output', () => {
  void it('prints the envelope in Go field order with data keys sorted, two-space indent', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'json').secret(secret({ b: 1, a: { d: 1, c: 2 } }));
    assert.equal(
      io.stdout,
      `${JSON.stringify({ request_id: 'r1', lease_id: '', lease_duration: 0, renewable: false, data: { a: { c: 2, d: 1 }, b: 1 }, warnings: null }, null, 2)}\n`,
    );
  });

  void it('prints the keys array for lists, the whole envelope with -detailed', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'json').list(secret({ keys: ['x', 'y/'] }));
    assert.deepEqual(JSON.parse(io.stdout), ['x', 'y/']);
    const io2 = new MemoryIo();
    new CommandOutput(io2, 'json', true).list(secret({ keys: ['x'] }));
    assert.deepEqual((JSON.parse(io2.stdout) as { data: unknown }).data, { keys: ['x'] });
  });

  void it('prints YAML with sorted keys and unindented sequences', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'yaml').secret(secret({ keys: ['a', 'b'], name: 'n' }));
    assert.equal(
      io.stdout,
      [
        'data:',
        '  keys:',
        '  - a',
        '  - b',
        '  name: n',
        'lease_duration: 0',
        'lease_id: ""',
        'renewable: false',
        'request_id: r1',
        'warnings: null',
        '',
      ].join('\n'),
    );
  });
});

void describe('-field', () => {
  void it('prints the raw value without a newline when stdout is not a terminal', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'table').field(secret({ password: 's3cr3t' }), 'password');
    assert.equal(io.stdout, 's3cr3t');
  });

  void it('adds the newline on a terminal', () => {
    const io = new MemoryIo({ stdoutIsTTY: true });
    new CommandOutput(io, 'table').field(secret({ password: 's3cr3t' }), 'password');
    assert.equal(io.stdout, 's3cr3t\n');
  });

  void it('resolves token fields from the auth block and envelope fields from the envelope', () => {
    const io = new MemoryIo();
    const s = secret(null, {
      auth: {
        client_token: 'hvs.t',
        accessor: 'a',
        policies: null,
        metadata: null,
        lease_duration: 60,
        renewable: true,
      },
    });
    new CommandOutput(io, 'table').field(s, 'token');
    assert.equal(io.stdout, 'hvs.t');
    const io2 = new MemoryIo();
    new CommandOutput(io2, 'table').field(secret({ x: 1 }, { lease_duration: 30 }), 'refresh_interval');
    assert.equal(io2.stdout, '30');
  });

  void it('encodes the value as JSON or YAML in those formats', () => {
    const io = new MemoryIo();
    new CommandOutput(io, 'json').field(secret({ list: ['a', 'b'] }), 'list');
    assert.deepEqual(JSON.parse(io.stdout), ['a', 'b']);
    const io2 = new MemoryIo();
    new CommandOutput(io2, 'yaml').field(secret({ m: { k: 'v' } }), 'm');
    assert.equal(io2.stdout, 'k: v');
  });

  void it('fails with exit 1 when the field is missing', () => {
    const io = new MemoryIo();
    assert.throws(
      () => new CommandOutput(io, 'table').field(secret({ a: 1 }), 'nope'),
      (e: unknown) =>
        e instanceof CliError && e.exitCode === 1 && /Field "nope" not present in secret/.test(e.message),
    );
  });
});
