import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CliError,
  extractGlobalFlags,
  normaliseArgv,
  parseGoBool,
  parseGoInt,
  type FlagSpec,
} from '../src/index.js';

const specs: FlagSpec[] = [
  { name: 'key-shares', kind: 'int', aliases: ['n'], description: '' },
  { name: 'force', kind: 'bool', description: '' },
  { name: 'policy', kind: 'string-slice', description: '' },
  { name: 'field', kind: 'string', description: '' },
];

function flags(args: string[]): Record<string, (string | undefined)[]> {
  const out: Record<string, (string | undefined)[]> = {};
  for (const f of normaliseArgv(args, specs).flags) (out[f.name] ??= []).push(f.value);
  return out;
}

void describe('normaliseArgv (Go flag rules)', () => {
  void it('accepts -name=value, -name value, --name=value and --name value', () => {
    assert.deepEqual(flags(['-key-shares=5']), { 'key-shares': ['5'] });
    assert.deepEqual(flags(['-key-shares', '5']), { 'key-shares': ['5'] });
    assert.deepEqual(flags(['--key-shares=5']), { 'key-shares': ['5'] });
    assert.deepEqual(flags(['--key-shares', '5']), { 'key-shares': ['5'] });
  });

  void it('maps aliases to the canonical name', () => {
    assert.deepEqual(flags(['-n=3']), { 'key-shares': ['3'] });
  });

  void it('treats bool flags as valueless unless written -flag=value', () => {
    const r = normaliseArgv(['-force', 'secret/foo'], specs);
    assert.deepEqual(r.flags, [{ name: 'force', value: undefined }]);
    assert.deepEqual(r.positionals, ['secret/foo']);
    assert.deepEqual(flags(['-force=false']), { force: ['false'] });
    // `-force false`: "false" is the first positional, like Go.
    assert.deepEqual(normaliseArgv(['-force', 'false'], specs).positionals, ['false']);
  });

  void it('keeps repeated flags in order', () => {
    assert.deepEqual(flags(['-policy=a', '-policy', 'b,c']), { policy: ['a', 'b,c'] });
  });

  void it('stops at the first positional: later flag-like words are arguments, reported as trailing', () => {
    const r = normaliseArgv(['-field=x', 'secret/foo', 'a=b', '-force', '-'], specs);
    assert.deepEqual(r.flags, [{ name: 'field', value: 'x' }]);
    assert.deepEqual(r.positionals, ['secret/foo', 'a=b', '-force', '-']);
    assert.deepEqual(r.trailingFlags, ['-force']);
  });

  void it('treats a lone "-" as a positional (stdin) and "--" as the end of flags', () => {
    assert.deepEqual(normaliseArgv(['-', '-force'], specs).positionals, ['-', '-force']);
    const r = normaliseArgv(['-force', '--', '-key-shares=1'], specs);
    assert.deepEqual(r.positionals, ['-key-shares=1']);
    assert.deepEqual(r.trailingFlags, []);
  });

  void it('takes the next word as the value even when it starts with a dash', () => {
    assert.deepEqual(flags(['-field', '-x']), { field: ['-x'] });
  });

  void it('reports help words', () => {
    assert.equal(normaliseArgv(['-h'], specs).help, true);
    assert.equal(normaliseArgv(['-help'], specs).help, true);
    assert.equal(normaliseArgv(['--help'], specs).help, true);
    assert.equal(normaliseArgv(['x', '-h'], specs).help, false);
  });

  void it('rejects unknown flags, missing values and bad syntax as usage errors', () => {
    const usage = (args: string[], message: RegExp): void => {
      assert.throws(
        () => normaliseArgv(args, specs),
        (err: unknown) => err instanceof CliError && err.exitCode === 1 && message.test(err.message),
      );
    };
    usage(['-nope'], /flag provided but not defined: -nope/);
    usage(['-key-shares'], /flag needs an argument: -key-shares/);
    usage(['---x'], /bad flag syntax/);
    usage(['-=x'], /bad flag syntax/);
  });
});

void describe('extractGlobalFlags', () => {
  void it('takes -format and -detailed from anywhere before "--"', () => {
    const r = extractGlobalFlags(['kv', 'get', 'secret/foo', '-format=json']);
    assert.deepEqual(r.args, ['kv', 'get', 'secret/foo']);
    assert.equal(r.globals.format, 'json');
    const r2 = extractGlobalFlags(['secrets', 'list', '--format', 'yaml', '-detailed']);
    assert.deepEqual(r2.args, ['secrets', 'list']);
    assert.equal(r2.globals.format, 'yaml');
    assert.equal(r2.globals.detailed, true);
    const r3 = extractGlobalFlags(['write', 'x', '--', '-format=json']);
    assert.deepEqual(r3.args, ['write', 'x', '--', '-format=json']);
    assert.equal(r3.globals.format, undefined);
  });

  void it('needs a value after a bare -format', () => {
    assert.throws(() => extractGlobalFlags(['status', '-format']), /flag needs an argument: -format/);
  });
});

void describe('Go value parsing', () => {
  void it('parses booleans like strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(parseGoBool(t), true);
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(parseGoBool(f), false);
    assert.equal(parseGoBool('yes'), undefined);
  });

  void it('parses integers with base prefixes like strconv.ParseInt(s, 0, 64)', () => {
    assert.equal(parseGoInt('5'), 5);
    assert.equal(parseGoInt('-3'), -3);
    assert.equal(parseGoInt('0x10'), 16);
    assert.equal(parseGoInt('010'), 8);
    assert.equal(parseGoInt('0o17'), 15);
    assert.equal(parseGoInt('1_000'), 1000);
    assert.equal(parseGoInt('abc'), undefined);
    assert.equal(parseGoInt('1.5'), undefined);
  });
});
