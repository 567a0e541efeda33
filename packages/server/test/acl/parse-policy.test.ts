import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy, PolicyError, type PathRule } from '../../src/acl/index.js';
import { CofferError } from '../../src/errors/coffer-error.js';

function rule(text: string, index = 0): PathRule {
  const r = parsePolicy('p', text).paths[index];
  assert.ok(r, `path rule ${index}`);
  return r;
}

function policyError(text: string): PolicyError {
  try {
    parsePolicy('bad', text);
  } catch (err) {
    assert.ok(err instanceof PolicyError, `expected PolicyError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected the policy to be rejected:\n${text}`);
}

void describe('parsePolicy', () => {
  void it('parses path stanzas with capabilities, in canonical order, with positions', () => {
    const policy = parsePolicy(
      'dev',
      '# c\npath "secret/*" {\n  capabilities = ["list", "read", "create", "subscribe", "sudo", "patch"]\n}\n',
    );
    assert.equal(policy.name, 'dev');
    assert.equal(policy.templated, false);
    assert.equal(policy.paths.length, 1);
    assert.deepEqual(policy.paths[0], {
      path: 'secret/*',
      capabilities: ['create', 'read', 'patch', 'list', 'sudo', 'subscribe'],
      allowedParameters: undefined,
      deniedParameters: undefined,
      requiredParameters: [],
      minWrappingTtl: 0,
      maxWrappingTtl: 0,
      subscribeEventTypes: [],
      templated: false,
      pos: { file: 'dev', line: 2, column: 6 },
    });
  });

  void it('parses JSON policies the same way', () => {
    const hcl = parsePolicy(
      'p',
      'path "secret/foo" { capabilities = ["read"] allowed_parameters = { "x" = ["a"] } }',
    );
    const json = parsePolicy(
      'p',
      '{"path": {"secret/foo": {"capabilities": ["read"], "allowed_parameters": {"x": ["a"]}}}}',
    );
    assert.deepEqual(
      json.paths.map(({ pos: _pos, ...r }) => r),
      hcl.paths.map(({ pos: _pos, ...r }) => r),
    );
    assert.deepEqual(json.paths[0]?.pos, { file: 'p', line: 1, column: 11 });
  });

  void it('maps the legacy policy shorthand like Vault (write has no patch)', () => {
    assert.deepEqual(rule('path "a" { policy = "read" }').capabilities, ['read', 'list']);
    assert.deepEqual(rule('path "a" { policy = "write" }').capabilities, [
      'create',
      'read',
      'update',
      'delete',
      'list',
    ]);
    assert.deepEqual(rule('path "a" { policy = "sudo" }').capabilities, [
      'create',
      'read',
      'update',
      'delete',
      'list',
      'sudo',
    ]);
    assert.deepEqual(rule('path "a" { policy = "deny" }').capabilities, ['deny']);
    assert.deepEqual(rule('path "a" { policy = "read" capabilities = ["update"] }').capabilities, [
      'read',
      'update',
      'list',
    ]);
    assert.match(policyError('path "a" { policy = "admin" }').reason, /invalid policy "admin"/);
  });

  void it('makes a rule with deny exactly deny, ignoring what follows (as Vault does)', () => {
    const r = rule(
      'path "a" {\n capabilities = ["read", "deny", "bogus"]\n allowed_parameters = { "x" = [] }\n min_wrapping_ttl = "nonsense"\n}',
    );
    assert.deepEqual(r.capabilities, ['deny']);
    assert.equal(r.allowedParameters, undefined);
    assert.equal(r.minWrappingTtl, 0);
  });

  void it('concatenates repeated capabilities in one stanza and keeps repeated stanzas apart', () => {
    const policy = parsePolicy(
      'p',
      'path "a" { capabilities = ["read"]\n capabilities = ["list"] }\npath "a" { capabilities = ["update"] }',
    );
    assert.deepEqual(
      policy.paths.map((r) => r.capabilities),
      [['read', 'list'], ['update']],
    );
  });

  void it('accepts an empty capability list (a rule that grants nothing)', () => {
    assert.deepEqual(rule('path "a" { capabilities = [] }').capabilities, []);
  });

  void it('strips one leading slash and keeps globs and segment wildcards', () => {
    assert.equal(rule('path "/secret/+/x*" { capabilities = ["read"] }').path, 'secret/+/x*');
  });

  void it('parses parameter constraints: lower-cased names, values of any type, block or object form, merged when repeated', () => {
    const r = rule(`path "a" {
  capabilities = ["create"]
  allowed_parameters = { "Name" = ["x*", "*y"], "ttl" = [300, "5m"], "on" = [true], "*" = [] }
  allowed_parameters { "name" = ["z"] }
  denied_parameters { "POLICIES" = ["root"] }
  required_parameters = ["Name"]
  required_parameters = ["ttl"]
}`);
    assert.deepEqual(
      [...(r.allowedParameters ?? [])],
      [
        ['name', ['x*', '*y', 'z']],
        ['ttl', [300, '5m']],
        ['on', [true]],
        ['*', []],
      ],
    );
    assert.deepEqual([...(r.deniedParameters ?? [])], [['policies', ['root']]]);
    assert.deepEqual(r.requiredParameters, ['Name', 'ttl']);
  });

  void it('parses wrapping TTLs as durations or seconds', () => {
    const r = rule('path "a" { capabilities = ["update"] min_wrapping_ttl = "1m" max_wrapping_ttl = 3600 }');
    assert.deepEqual([r.minWrappingTtl, r.maxWrappingTtl], [60, 3600]);
  });

  void it('accepts comment, Enterprise-only keys (ignored) and subscribe_event_types', () => {
    const r = rule(
      'path "a" {\n comment = "x"\n capabilities = ["subscribe"]\n subscribe_event_types = ["kv*"]\n mfa_methods = ["m"]\n control_group = { max_ttl = "1h" }\n}',
    );
    assert.deepEqual(r.subscribeEventTypes, ['kv*']);
    assert.equal(parsePolicy('p', 'name = "ignored"\npath "a" { capabilities = [] }').paths.length, 1);
  });

  void it('marks templated paths and validates templates', () => {
    const policy = parsePolicy(
      't',
      'path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }\npath "x" { capabilities = ["read"] }',
    );
    assert.equal(policy.templated, true);
    assert.deepEqual(
      policy.paths.map((p) => p.templated),
      [true, false],
    );
    assert.match(
      policyError('path "s/{{identity.entity.bogus}}" { capabilities = ["read"] }').reason,
      /templat/,
    );
    assert.match(policyError('path "s/{{identity.entity.id" { capabilities = ["read"] }').reason, /unclosed/);
  });

  void describe('rejects invalid policies with a positioned PolicyError (HTTP 400)', () => {
    const cases: [string, string, number, number, RegExp][] = [
      [
        'unknown capability',
        'path "a" {\n  capabilities = ["read", "write"]\n}',
        2,
        27,
        /path "a": invalid capability "write"/,
      ],
      ['unknown top-level key', 'paths "a" { capabilities = ["read"] }', 1, 1, /invalid key "paths"/],
      [
        'unknown path key',
        'path "a" {\n  capabilites = ["read"]\n}',
        2,
        3,
        /path "a": invalid key "capabilites"/,
      ],
      ['+* in a path', 'path "a/+*" { capabilities = ["read"] }', 1, 6, /'\+\*' is forbidden/],
      ['capabilities not a list', 'path "a" { capabilities = "read" }', 1, 27, /must be a list of strings/],
      ['capability not a string', 'path "a" { capabilities = [1] }', 1, 28, /must be a list of strings/],
      ['path not a block', 'path = "a"', 1, 8, /must be a block/],
      [
        'parameter values not a list',
        'path "a" { capabilities = ["read"]\nallowed_parameters = { "x" = "y" } }',
        2,
        30,
        /must be a list of values/,
      ],
      [
        'non-tail wildcard parameter key',
        'path "a" { capabilities = ["read"]\ndenied_parameters = { "x*" = [] } }',
        2,
        23,
        /non-tail wildcards/,
      ],
      [
        'wildcard required parameter',
        'path "a" { capabilities = ["read"]\nrequired_parameters = ["*"] }',
        2,
        24,
        /wildcard is not permitted/,
      ],
      [
        'bad wrapping TTL',
        'path "a" { capabilities = ["read"]\nmax_wrapping_ttl = "soon" }',
        2,
        20,
        /error parsing max_wrapping_ttl/,
      ],
      [
        'max below min wrapping TTL',
        'path "a" { capabilities = ["read"]\nmin_wrapping_ttl = 60\nmax_wrapping_ttl = 30 }',
        3,
        20,
        /max_wrapping_ttl cannot be less than min_wrapping_ttl/,
      ],
      ['HCL syntax error', 'path "a" {\n  capabilities = ["read"\n}', 3, 1, /expected "," or "]"|unexpected/],
      ['JSON syntax error', '{"path": {"a": {"capabilities": ["read"],}}}', 1, 42, /expected a string key/],
    ];
    for (const [what, text, line, column, reason] of cases) {
      void it(what, () => {
        const err = policyError(text);
        assert.ok(err instanceof CofferError);
        assert.equal(err.code, 'BAD_REQUEST');
        assert.deepEqual([err.policyName, err.line, err.column], ['bad', line, column], err.message);
        assert.match(err.reason, reason);
        assert.equal(err.message, `failed to parse policy: bad:${line}:${column}: ${err.reason}`);
      });
    }
  });
});
