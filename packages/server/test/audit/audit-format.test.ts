import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  formatRequestEntry,
  formatResponseEntry,
  hashStructure,
  hmacString,
  type AuditRequestInfo,
} from '../../src/audit/index.js';
import type { TokenEntry } from '../../src/logical/token-entry.js';

const salt = Buffer.from('0123456789abcdef0123456789abcdef');
const entry: TokenEntry = {
  accessor: 'acc-123',
  policies: ['default', 'dev'],
  parentAccessor: '',
  path: 'auth/token/create',
  meta: { user: 'alice' },
  displayName: 'token',
  numUses: 0,
  creationTime: 1_700_000_000,
  ttl: 3600,
  explicitMaxTtl: 0,
  period: 0,
  renewable: true,
  expireTimeMs: 0,
  orphan: false,
  type: 'service',
  cubbyholeId: 'x',
  entityId: '',
};
const info: AuditRequestInfo = {
  id: 'req-1',
  operation: 'update',
  path: 'secret/data/foo',
  data: { data: { password: 'hunter2', n: 3, ok: true, list: ['a', 'b'] } },
  clientToken: 'hvs.SECRET-TOKEN',
  entry,
  mountPoint: 'secret/',
  mountType: 'kv',
  mountAccessor: 'kv_1234',
  remoteAddress: '127.0.0.1',
};

void describe('audit hashing', () => {
  void it('is hmac-sha256 of the value keyed by the salt, hex', () => {
    const expected = createHmac('sha256', salt).update('hunter2').digest('hex');
    assert.equal(hmacString(salt, 'hunter2'), `hmac-sha256:${expected}`);
  });
  void it('hashes every string recursively and keeps numbers, booleans and null', () => {
    const out = hashStructure(salt, { a: 'x', b: 1, c: true, d: null, e: ['y', { f: 'z' }] }) as Record<
      string,
      unknown
    >;
    assert.equal(out['a'], hmacString(salt, 'x'));
    assert.equal(out['b'], 1);
    assert.equal(out['c'], true);
    assert.equal(out['d'], null);
    assert.deepEqual(out['e'], [hmacString(salt, 'y'), { f: hmacString(salt, 'z') }]);
  });
});

void describe('audit entry format', () => {
  const opts = { salt, logRaw: false, hmacAccessor: true };
  void it('request entry: Vault shape, token, accessor and data strings hashed', () => {
    const line = formatRequestEntry(opts, info);
    const e = JSON.parse(line) as Record<string, Record<string, unknown>>;
    assert.equal(e['type'] as unknown, 'request');
    assert.match(String(e['time']), /^\d{4}-\d\d-\d\dT/);
    assert.equal(e['auth']?.['client_token'], hmacString(salt, 'hvs.SECRET-TOKEN'));
    assert.equal(e['auth']?.['accessor'], hmacString(salt, 'acc-123'));
    assert.deepEqual(e['auth']?.['policies'], ['default', 'dev']);
    assert.equal(e['auth']?.['token_type'], 'service');
    assert.equal(e['request']?.['client_token'], hmacString(salt, 'hvs.SECRET-TOKEN'));
    assert.equal(e['request']?.['client_token_accessor'], hmacString(salt, 'acc-123'));
    assert.equal(e['request']?.['operation'], 'update');
    assert.equal(e['request']?.['path'], 'secret/data/foo');
    assert.equal(e['request']?.['mount_type'], 'kv');
    assert.deepEqual(e['request']?.['data'], {
      data: {
        password: hmacString(salt, 'hunter2'),
        n: 3,
        ok: true,
        list: [hmacString(salt, 'a'), hmacString(salt, 'b')],
      },
    });
    for (const plain of ['hunter2', 'hvs.SECRET-TOKEN', 'acc-123']) assert.ok(!line.includes(plain), plain);
  });
  void it('response entry hashes response data and a minted token', () => {
    const line = formatResponseEntry(opts, info, {
      data: { value: 'topsecret' },
      auth: {
        client_token: 'hvs.CHILD',
        accessor: 'child-acc',
        policies: ['default'],
        token_policies: ['default'],
        metadata: null,
        lease_duration: 60,
        renewable: true,
        entity_id: '',
        token_type: 'service',
        orphan: false,
        mfa_requirement: null,
        num_uses: 0,
      },
    });
    const e = JSON.parse(line) as Record<string, Record<string, unknown>>;
    assert.equal(e['type'] as unknown, 'response');
    const resp = e['response'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(resp['data'], { value: hmacString(salt, 'topsecret') });
    assert.equal(resp['auth']?.['client_token'], hmacString(salt, 'hvs.CHILD'));
    for (const plain of ['topsecret', 'hvs.CHILD', 'child-acc', 'hvs.SECRET-TOKEN'])
      assert.ok(!line.includes(plain), plain);
  });
  void it('hmac_accessor=false leaves accessors plain; log_raw leaves everything plain', () => {
    const noAcc = JSON.parse(formatRequestEntry({ ...opts, hmacAccessor: false }, info)) as Record<
      string,
      Record<string, unknown>
    >;
    assert.equal(noAcc['auth']?.['accessor'], 'acc-123');
    assert.equal(noAcc['auth']?.['client_token'], hmacString(salt, 'hvs.SECRET-TOKEN'));
    const raw = formatRequestEntry({ ...opts, logRaw: true }, info);
    assert.ok(raw.includes('hunter2') && raw.includes('hvs.SECRET-TOKEN'));
  });
});
