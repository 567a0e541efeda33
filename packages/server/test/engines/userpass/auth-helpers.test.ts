import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CidrMatcher,
  addressAllowed,
  cidrsSubset,
  parseCidr,
  parseClientAddress,
  validateCidrList,
} from '../../../src/engines/userpass/cidr-list.js';
import {
  DEFAULT_SCRYPT_PARAMS,
  hashPassword,
  needsRehash,
  validScryptParams,
  verifyPassword,
} from '../../../src/engines/userpass/password-hash.js';
import { loginDisplayName } from '../../../src/engines/userpass/token-params.js';

const FAST = { n: 2 ** 10, r: 8, p: 1 };

void describe('cidr-list', () => {
  void it('parses CIDRs and bare addresses; IPv4-mapped IPv6 blocks become IPv4', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 'ipv4', address: '10.0.0.0', prefix: 8 });
    assert.deepEqual(parseCidr(' 192.168.1.7 '), { family: 'ipv4', address: '192.168.1.7', prefix: 32 });
    assert.deepEqual(parseCidr('2001:db8::/32'), { family: 'ipv6', address: '2001:db8::', prefix: 32 });
    assert.deepEqual(parseCidr('::1'), { family: 'ipv6', address: '::1', prefix: 128 });
    assert.deepEqual(parseCidr('::ffff:10.0.0.0/104'), { family: 'ipv4', address: '10.0.0.0', prefix: 8 });
    assert.deepEqual(parseCidr('::ffff:7f00:1'), { family: 'ipv4', address: '127.0.0.1', prefix: 32 });
    for (const bad of [
      '',
      '10.0.0.0/33',
      '::/129',
      '10.0.0/8',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      'fe80::1%eth0',
      'host',
      '010.0.0.1',
    ]) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
    assert.deepEqual(validateCidrList([' 10.0.0.0/8', '', '::1']), { cidrs: ['10.0.0.0/8', '::1'] });
    assert.equal(validateCidrList(['10.0.0.0/8', 'nope']).invalid, 'nope');
  });

  void it('normalises client addresses: brackets, zones, IPv4-mapped IPv6', () => {
    assert.deepEqual(parseClientAddress('::ffff:127.0.0.1'), { family: 'ipv4', address: '127.0.0.1' });
    assert.deepEqual(parseClientAddress('0:0:0:0:0:ffff:7f00:1'), { family: 'ipv4', address: '127.0.0.1' });
    assert.deepEqual(parseClientAddress('[::1]'), { family: 'ipv6', address: '::1' });
    assert.deepEqual(parseClientAddress('fe80::1%eth0'), { family: 'ipv6', address: 'fe80::1' });
    assert.equal(parseClientAddress(''), undefined);
    assert.equal(parseClientAddress('localhost'), undefined);
  });

  void it('matches IPv4, IPv6 and IPv4-mapped clients; families never mix', () => {
    const m = new CidrMatcher(['127.0.0.0/8', '2001:db8::/32', 'garbage']);
    assert.equal(m.size, 2);
    assert.equal(m.allows('127.0.0.1'), true);
    assert.equal(m.allows('::ffff:127.0.0.1'), true);
    assert.equal(m.allows('::ffff:7f00:2'), true);
    assert.equal(m.allows('2001:db8:1::5'), true);
    assert.equal(m.allows('128.0.0.1'), false);
    assert.equal(m.allows('::1'), false);
    assert.equal(m.allows('::7f00:1'), false, 'IPv4-compatible (not mapped) is IPv6');
    assert.equal(addressAllowed('1.2.3.4', ['::/0']), false, '::/0 does not cover IPv4 (as in Go)');
    assert.equal(addressAllowed('::1', ['0.0.0.0/0']), false);
    assert.equal(addressAllowed('::ffff:1.2.3.4', ['0.0.0.0/0']), true);
    assert.equal(addressAllowed('10.9.9.9', ['::ffff:10.0.0.0/104']), true);
    assert.equal(addressAllowed('anything', []), true, 'no binding allows everything');
    assert.equal(addressAllowed('', ['0.0.0.0/0']), false, 'no address is never allowed by a binding');
  });

  void it('checks that every block lies inside some outer block', () => {
    assert.equal(cidrsSubset(['10.1.0.0/16', '10.2.3.4'], ['10.0.0.0/8']), true);
    assert.equal(cidrsSubset(['10.0.0.0/7'], ['10.0.0.0/8']), false);
    assert.equal(cidrsSubset(['11.0.0.0/16'], ['10.0.0.0/8']), false);
    assert.equal(cidrsSubset(['2001:db8:1::/48'], ['2001:db8::/32']), true);
    assert.equal(cidrsSubset(['::ffff:10.1.0.0/112'], ['10.0.0.0/8']), true);
    assert.equal(cidrsSubset(['10.0.0.0/8'], ['::/0']), false);
    assert.equal(cidrsSubset(['10.0.0.0/8'], []), true, 'no outer blocks impose nothing');
    assert.equal(cidrsSubset([], ['10.0.0.0/8']), true);
  });
});

void describe('password-hash', () => {
  void it('defaults to N=2^15, r=8, p=1 and rejects absurd parameters', () => {
    assert.deepEqual(DEFAULT_SCRYPT_PARAMS, { n: 32768, r: 8, p: 1 });
    assert.equal(validScryptParams(DEFAULT_SCRYPT_PARAMS), true);
    for (const bad of [
      { n: 1000, r: 8, p: 1 },
      { n: 2 ** 21, r: 8, p: 1 },
      { n: 1024, r: 0, p: 1 },
      { n: 1024, r: 8, p: 17 },
    ]) {
      assert.equal(validScryptParams(bad), false, JSON.stringify(bad));
    }
  });

  void it('verifies the right password only, with its stored parameters', async () => {
    const stored = await hashPassword('correct horse', FAST);
    assert.equal(stored.alg, 'scrypt');
    assert.equal(Buffer.from(stored.salt, 'base64').length, 16);
    assert.equal(Buffer.from(stored.hash, 'base64').length, 32);
    assert.equal(
      await verifyPassword('correct horse', stored, DEFAULT_SCRYPT_PARAMS),
      true,
      'stored params are used',
    );
    assert.equal(await verifyPassword('correct horsE', stored, FAST), false);
    assert.equal(await verifyPassword('', stored, FAST), false);
  });

  void it('returns false for a missing or corrupt hash after doing the work', async () => {
    assert.equal(await verifyPassword('x', undefined, FAST), false);
    const stored = await hashPassword('x', FAST);
    assert.equal(await verifyPassword('x', { ...stored, n: 3 }, FAST), false);
    assert.equal(await verifyPassword('x', { ...stored, hash: '' }, FAST), false);
  });

  void it('flags hashes made with weaker parameters for a rehash, never a downgrade', async () => {
    const stored = await hashPassword('x', FAST);
    assert.equal(needsRehash(stored, FAST), false);
    assert.equal(needsRehash(stored, { ...FAST, n: 2 ** 11 }), true);
    assert.equal(needsRehash(stored, { ...FAST, n: 2 ** 9 }), false);
  });
});

void describe('loginDisplayName', () => {
  void it('prefixes the mount path as Vault core does', () => {
    assert.equal(loginDisplayName('auth/userpass/', 'bob'), 'userpass-bob');
    assert.equal(loginDisplayName('auth/corp/ldap-ish/', 'bob'), 'corp-ldap-ish-bob');
    assert.equal(loginDisplayName('auth/approle/', ''), 'approle');
  });
});
