import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy } from '../../src/acl/index.js';
import type { Operation } from '../../src/logical/operation.js';

function check(
  body: string,
  data: Record<string, unknown> | undefined,
  operation: Operation = 'update',
): boolean {
  const a = new ACL([
    parsePolicy(
      'p',
      `path "s/x" {\n capabilities = ["create", "read", "update", "patch", "delete", "list"]\n${body}\n}`,
    ),
  ]);
  return a.check({ operation, path: 's/x', data }).allowed;
}

void describe('ACL parameter constraints', () => {
  void it('allowed_parameters: listed keys only; [] allows any value; values may glob at either end', () => {
    const body = 'allowed_parameters = { "name" = [], "env" = ["prod", "dev-*", "*-test", "*mid*"] }';
    assert.equal(check(body, { name: 'x' }), true);
    assert.equal(check(body, { env: 'prod' }), true);
    assert.equal(check(body, { env: 'dev-1' }), true);
    assert.equal(check(body, { env: 'unit-test' }), true);
    assert.equal(check(body, { env: 'amidst' }), true);
    assert.equal(check(body, { env: 'staging' }), false);
    assert.equal(check(body, { other: 'x' }), false, 'an unlisted key is denied');
    assert.equal(check(body, { NAME: 'x' }), true, 'request keys are compared lower-cased');
  });

  void it('allowed_parameters with "*": unlisted keys allowed, listed keys still checked', () => {
    const body = 'allowed_parameters = { "*" = [], "env" = ["prod"] }';
    assert.equal(check(body, { anything: 1 }), true);
    assert.equal(check(body, { env: 'prod' }), true);
    assert.equal(check(body, { env: 'dev' }), false);
    assert.equal(check('allowed_parameters = { "*" = [] }', { a: 1, b: 2 }), true);
  });

  void it('denied_parameters: [] denies the key, listed values are denied, "*" denies everything, and it beats allowed', () => {
    assert.equal(check('denied_parameters = { "policies" = [] }', { policies: 'x' }), false);
    assert.equal(check('denied_parameters = { "policies" = [] }', { other: 'x' }), true);
    assert.equal(
      check('denied_parameters = { "policies" = ["root", "adm*"] }', { policies: 'admin' }),
      false,
    );
    assert.equal(check('denied_parameters = { "policies" = ["root", "adm*"] }', { policies: 'dev' }), true);
    assert.equal(check('denied_parameters = { "*" = [] }', { x: 1 }), false);
    assert.equal(check('denied_parameters = { "*" = [] }', {}), true, 'no parameters, nothing to deny');
    assert.equal(
      check('allowed_parameters = { "a" = [] }\ndenied_parameters = { "a" = ["bad"] }', { a: 'bad' }),
      false,
    );
  });

  void it('checks list values element by element and strings as comma-separated lists', () => {
    const allowed = 'allowed_parameters = { "policies" = ["default", "dev"] }';
    assert.equal(check(allowed, { policies: ['default', 'dev'] }), true);
    assert.equal(check(allowed, { policies: ['default', 'root'] }), false);
    assert.equal(check(allowed, { policies: 'default, dev' }), true);
    assert.equal(check(allowed, { policies: 'default,root' }), false);
    assert.equal(check(allowed, { policies: '' }), false, 'an empty string is not a free pass');
    const denied = 'denied_parameters = { "policies" = ["root"] }';
    assert.equal(check(denied, { policies: ['default', 'root'] }), false);
    assert.equal(check(denied, { policies: 'default,root' }), false);
    assert.equal(check(denied, { policies: 'default' }), true);
  });

  void it('matches numbers and booleans by value', () => {
    assert.equal(
      check('allowed_parameters = { "ttl" = [300], "on" = [true] }', { ttl: 300, on: true }),
      true,
    );
    assert.equal(check('allowed_parameters = { "ttl" = [300] }', { ttl: 301 }), false);
    assert.equal(check('allowed_parameters = { "ttl" = [300] }', { ttl: '300' }), false);
  });

  void it('required_parameters must all be present', () => {
    const body = 'required_parameters = ["name", "env"]';
    assert.equal(check(body, { name: 1, env: 2 }), true);
    assert.equal(check(body, { name: 1 }), false);
    assert.equal(check(body, undefined), false);
  });

  void it('applies to create, read, update and patch only', () => {
    const body = 'denied_parameters = { "*" = [] }';
    for (const op of ['create', 'read', 'update', 'patch'] as const)
      assert.equal(check(body, { x: 1 }, op), false, op);
    for (const op of ['delete', 'list'] as const) assert.equal(check(body, { x: 1 }, op), true, op);
  });

  void it('allows a request without parameters when only allowed/denied are set', () => {
    assert.equal(check('allowed_parameters = { "a" = ["x"] }', undefined), true);
  });
});
