import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approleEngineFactory, type AppRoleEngine } from '../../../src/engines/approle/index.js';
import { parseSecretIdMetadata } from '../../../src/engines/approle/secret-id-metadata.js';
import { ErrorCode } from '../../../src/errors/error-code.js';
import { CofferError } from '../../../src/errors/coffer-error.js';
import { expectError } from '../engine-harness.js';
import { AuthHarness, SYSTEM_MAX_TTL } from '../userpass/auth-harness.js';
import { wireOf } from '../../wire-of.js';

async function approle(): Promise<AuthHarness> {
  const h = new AuthHarness('auth/approle/');
  return h.mount(approleEngineFactory({ tokens: h.tokens }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Generated {
  secret_id: string;
  secret_id_accessor: string;
  secret_id_ttl: number;
  secret_id_num_uses: number;
}

async function generate(
  h: AuthHarness,
  role: string,
  data: Record<string, unknown> = {},
): Promise<Generated> {
  return (await h.write(`role/${role}/secret-id`, data))?.data as unknown as Generated;
}

async function roleId(h: AuthHarness, role: string): Promise<string> {
  return String((await h.read(`role/${role}/role-id`))?.data?.['role_id']);
}

void describe('approle: secret IDs', () => {
  void it('generates a secret ID with Vault’s response shape and the role’s defaults', async () => {
    const h = await approle();
    await h.write('role/r', { secret_id_ttl: '10m', secret_id_num_uses: 5 });
    const resp = await h.write('role/r/secret-id', {});
    const data = resp?.data as unknown as Generated;
    assert.deepEqual(Object.keys(data).sort(), [
      'secret_id',
      'secret_id_accessor',
      'secret_id_num_uses',
      'secret_id_ttl',
    ]);
    assert.match(data.secret_id, UUID);
    assert.match(data.secret_id_accessor, UUID);
    assert.notEqual(data.secret_id, data.secret_id_accessor);
    assert.equal(data.secret_id_ttl, 600);
    assert.equal(data.secret_id_num_uses, 5);
    assert.equal(resp?.warnings, undefined);
  });

  void it('per-secret num_uses and ttl may only narrow the role’s', async () => {
    const h = await approle();
    await h.write('role/r', { secret_id_ttl: '10m', secret_id_num_uses: 5 });
    const ok = await generate(h, 'r', { num_uses: 2, ttl: 60 });
    assert.equal(ok.secret_id_num_uses, 2);
    assert.equal(ok.secret_id_ttl, 60);
    const msgUses = "num_uses cannot be higher than the role's secret_id_num_uses";
    const msgTtl = "ttl cannot be longer than the role's secret_id_ttl";
    await expectError(h.write('role/r/secret-id', { num_uses: 6 }), ErrorCode.BadRequest, msgUses);
    await expectError(h.write('role/r/secret-id', { num_uses: 0 }), ErrorCode.BadRequest, msgUses);
    await expectError(
      h.write('role/r/secret-id', { num_uses: -1 }),
      ErrorCode.BadRequest,
      'num_uses cannot be negative',
    );
    await expectError(h.write('role/r/secret-id', { ttl: 601 }), ErrorCode.BadRequest, msgTtl);
    await expectError(h.write('role/r/secret-id', { ttl: 0 }), ErrorCode.BadRequest, msgTtl);
    // Unlimited roles accept anything; TTLs are capped at the system max lease TTL.
    await h.write('role/u', {});
    const capped = await generate(h, 'u', { ttl: '10000h', num_uses: 100 });
    assert.equal(capped.secret_id_ttl, SYSTEM_MAX_TTL);
    assert.equal(capped.secret_id_num_uses, 100);
  });

  void it('parses metadata (JSON string, base64 JSON, k=v pairs) and hands it to the token', async () => {
    const h = await approle();
    await h.write('role/r', {});
    const json = await generate(h, 'r', { metadata: '{ "tag1": "production", "team": "Blue" }' });
    const auth = (await h.write('login', { role_id: await roleId(h, 'r'), secret_id: json.secret_id }))?.auth;
    assert.deepEqual(auth?.metadata, { tag1: 'production', team: 'Blue', role_name: 'r' });
    const lookup = await h.write('role/r/secret-id-accessor/lookup', {
      secret_id_accessor: json.secret_id_accessor,
    });
    assert.deepEqual(lookup?.data?.['metadata'], { tag1: 'production', team: 'Blue' });

    assert.deepEqual(parseSecretIdMetadata(Buffer.from('{"a":"b"}').toString('base64')), { a: 'b' });
    assert.deepEqual(parseSecretIdMetadata('K1=V1, k2 = v2'), { k1: 'v1', k2: 'v2' });
    assert.deepEqual(parseSecretIdMetadata('  '), {});
    assert.deepEqual(parseSecretIdMetadata('{}'), {});
    // Like Go: a 4-character word is valid base64, so 'null' decodes to bytes and then fails.
    assert.throws(() => parseSecretIdMetadata('null'), /invalid <key,value> format/);
    assert.throws(() => parseSecretIdMetadata('{"a":""}'), /invalid value for key "a"/);
    assert.throws(() => parseSecretIdMetadata('{"a":1}'), /invalid <key,value> format/);
    assert.throws(() => parseSecretIdMetadata('a=b=c'), /invalid <key,value> format/);
    await expectError(
      h.write('role/r/secret-id', { metadata: 'no-equals-sign' }),
      ErrorCode.BadRequest,
      'failed to parse metadata: failed to parse the input: invalid <key,value> format',
    );
  });

  void it('refuses secret IDs for unknown roles and roles without bind_secret_id', async () => {
    const h = await approle();
    await expectError(h.write('role/none/secret-id', {}), ErrorCode.NotFound, 'role "none" does not exist');
    await expectError(h.list('role/none/secret-id'), ErrorCode.NotFound, 'role "none" does not exist');
    await h.write('role/open', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    await expectError(
      h.write('role/open/secret-id', {}),
      ErrorCode.BadRequest,
      'bind_secret_id is not set on the role',
    );
  });

  void it('cidr_list and token_bound_cidrs must be valid subsets of the role’s', async () => {
    const h = await approle();
    await h.write('role/r', { secret_id_bound_cidrs: '10.0.0.0/8', token_bound_cidrs: '10.0.0.0/8' });
    await generate(h, 'r', { cidr_list: '10.1.0.0/16,10.2.3.4', token_bound_cidrs: ['10.9.0.0/16'] });
    await expectError(
      h.write('role/r/secret-id', { cidr_list: 'bogus' }),
      ErrorCode.BadRequest,
      'failed to validate CIDR blocks',
    );
    await expectError(
      h.write('role/r/secret-id', { token_bound_cidrs: '1.2.3.4/99' }),
      ErrorCode.BadRequest,
      'failed to validate token CIDR blocks',
    );
    await expectError(
      h.write('role/r/secret-id', { cidr_list: '192.168.0.0/16' }),
      ErrorCode.BadRequest,
      'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["192.168.0.0/16"]',
    );
    await expectError(
      h.write('role/r/secret-id', { token_bound_cidrs: '10.0.0.0/7' }),
      ErrorCode.BadRequest,
      /failed to verify subset/,
    );
  });

  void it('lists accessors (LIST role/:name/secret-id), 404 when none', async () => {
    const h = await approle();
    await h.write('role/r', {});
    await expectError(h.list('role/r/secret-id'), ErrorCode.NotFound, '');
    const a = await generate(h, 'r');
    const b = await generate(h, 'r');
    assert.deepEqual((await h.list('role/r/secret-id'))?.data, {
      keys: [a.secret_id_accessor, b.secret_id_accessor].sort(),
    });
  });

  void it('custom-secret-id assigns a chosen secret ID (unique per role)', async () => {
    const h = await approle();
    await h.write('role/r', { secret_id_num_uses: 3 });
    const resp = await h.write('role/r/custom-secret-id', {
      secret_id: 'my-chosen-secret',
      metadata: 'env=prod',
    });
    assert.equal(resp?.data?.['secret_id'], 'my-chosen-secret');
    assert.equal(resp?.data?.['secret_id_num_uses'], 3);
    await expectError(
      h.write('role/r/custom-secret-id', { secret_id: 'my-chosen-secret' }),
      ErrorCode.BadRequest,
      'SecretID is already registered',
    );
    await expectError(h.write('role/r/custom-secret-id', {}), ErrorCode.BadRequest, 'missing secret_id');
    await expectError(
      h.write('role/r/custom-secret-id', { secret_id: 'x'.repeat(4097) }),
      ErrorCode.BadRequest,
      'secret_id is longer than maximum of 4096 bytes',
    );
    const auth = (await h.write('login', { role_id: await roleId(h, 'r'), secret_id: 'my-chosen-secret' }))
      ?.auth;
    assert.deepEqual(auth?.metadata, { env: 'prod', role_name: 'r' });
  });

  void it('secret-id/lookup shows properties (never the secret) and 204 for unknown', async () => {
    const h = await approle();
    await h.write('role/r', { secret_id_ttl: 60, secret_id_num_uses: 2 });
    const g = await generate(h, 'r', { cidr_list: '127.0.0.1/32', token_bound_cidrs: '127.0.0.1' });
    const data = (await h.write('role/r/secret-id/lookup', { secret_id: g.secret_id }))?.data;
    assert.deepEqual(data, {
      cidr_list: ['127.0.0.1/32'],
      creation_time: '2024-05-01T10:00:00Z',
      expiration_time: '2024-05-01T10:01:00Z',
      last_updated_time: '2024-05-01T10:00:00Z',
      metadata: {},
      secret_id_accessor: g.secret_id_accessor,
      secret_id_num_uses: 2,
      secret_id_ttl: 60,
      token_bound_cidrs: ['127.0.0.1'],
    });
    assert.ok(!JSON.stringify(data).includes(g.secret_id));
    assert.equal(await h.write('role/r/secret-id/lookup', { secret_id: 'unknown' }), undefined);
    await expectError(h.write('role/r/secret-id/lookup', {}), ErrorCode.BadRequest, 'missing secret_id');
    await expectError(
      h.write('role/none/secret-id/lookup', { secret_id: 'x' }),
      ErrorCode.NotFound,
      'role "none" does not exist',
    );

    // A secret ID without TTL reports Go's zero time.
    await h.write('role/u', {});
    const forever = await generate(h, 'u');
    const lookup = await h.write('role/u/secret-id/lookup', { secret_id: forever.secret_id });
    assert.equal(lookup?.data?.['expiration_time'], '0001-01-01T00:00:00Z');
    // A secret of another role is not found under this one.
    assert.equal(await h.write('role/r/secret-id/lookup', { secret_id: forever.secret_id }), undefined);
  });

  void it('secret-id/destroy (POST or DELETE) and secret-id-accessor/* work and stop logins', async () => {
    const h = await approle();
    await h.write('role/r', {});
    const rid = await roleId(h, 'r');
    const a = await generate(h, 'r');
    const b = await generate(h, 'r');
    const c = await generate(h, 'r');
    assert.equal(await h.write('role/r/secret-id/destroy', { secret_id: a.secret_id }), undefined);
    assert.equal(await h.delete('role/r/secret-id/destroy', { secret_id: b.secret_id }), undefined);
    assert.equal(await h.write('role/r/secret-id/destroy', { secret_id: 'unknown' }), undefined);
    await expectError(h.write('role/r/secret-id/destroy', {}), ErrorCode.BadRequest, 'missing secret_id');
    for (const s of [a, b])
      await expectError(
        h.write('login', { role_id: rid, secret_id: s.secret_id }),
        ErrorCode.InvalidCredentials,
      );

    const looked = await h.write('role/r/secret-id-accessor/lookup', {
      secret_id_accessor: c.secret_id_accessor,
    });
    assert.equal(looked?.data?.['secret_id_accessor'], c.secret_id_accessor);
    await expectError(
      h.write('role/r/secret-id-accessor/lookup', { secret_id_accessor: 'nope' }),
      ErrorCode.NotFound,
      'failed to find accessor entry for secret_id_accessor: "nope"',
    );
    await expectError(
      h.write('role/r/secret-id-accessor/lookup', {}),
      ErrorCode.BadRequest,
      'missing secret_id_accessor',
    );
    // Another role cannot see or destroy it through its own path.
    await h.write('role/other', {});
    await expectError(
      h.write('role/other/secret-id-accessor/lookup', { secret_id_accessor: c.secret_id_accessor }),
      ErrorCode.NotFound,
    );
    await expectError(
      h.delete('role/other/secret-id-accessor/destroy', { secret_id_accessor: c.secret_id_accessor }),
      ErrorCode.NotFound,
    );

    assert.equal(
      await h.delete('role/r/secret-id-accessor/destroy', { secret_id_accessor: c.secret_id_accessor }),
      undefined,
    );
    await expectError(
      h.write('login', { role_id: rid, secret_id: c.secret_id }),
      ErrorCode.InvalidCredentials,
    );
    await expectError(
      h.write('role/r/secret-id-accessor/destroy', { secret_id_accessor: c.secret_id_accessor }),
      ErrorCode.NotFound,
    );
    await expectError(h.list('role/r/secret-id'), ErrorCode.NotFound, '');
  });

  void it('stores secret IDs only as salted HMACs: no plaintext anywhere in storage', async () => {
    const h = await approle();
    await h.write('role/r', { metadata: 'ignored' });
    const generated = await generate(h, 'r', { metadata: '{"k":"v"}' });
    await h.write('role/r/custom-secret-id', { secret_id: 'Custom-Secret-ID-Plaintext-77' });
    const rid = await roleId(h, 'r');
    await h.write('login', { role_id: rid, secret_id: generated.secret_id });
    await h.write('role/r/secret-id/lookup', { secret_id: generated.secret_id });
    await expectError(
      h.write('login', { role_id: rid, secret_id: `${generated.secret_id}-wrong` }),
      ErrorCode.InvalidCredentials,
    );

    assert.deepEqual(await h.occurrences(generated.secret_id), []);
    assert.deepEqual(await h.occurrences('Custom-Secret-ID-Plaintext-77'), []);
    const keys = (await h.dump()).map((e) => e.key);
    assert.ok(!keys.some((k) => k.includes(rid)), 'the role_id index is keyed by HMAC');
    assert.ok(!keys.some((k) => k.includes(generated.secret_id_accessor)), 'accessors are keyed by HMAC');
    for (const line of h.transcript.filter((l) => !l.includes('"secret_id":'))) {
      assert.ok(!line.includes(generated.secret_id), `leaked in ${line}`);
    }
  });

  void it('tidy/secret-id answers 202 and removes expired secret IDs and dangling accessors', async () => {
    const h = await approle();
    await h.write('role/r', {});
    const short = await generate(h, 'r', { ttl: 60 });
    const long = await generate(h, 'r', { ttl: 3600 });
    const forever = await generate(h, 'r');
    // A dangling accessor entry (its secret ID vanished, e.g. a crash mid-delete).
    const secretKeys = await h.storage.list('secret-id/r/');
    const orphan = await generate(h, 'r');
    const after = await h.storage.list('secret-id/r/');
    const orphanKey = after.find((k) => !secretKeys.includes(k)) ?? '';
    await h.storage.delete(`secret-id/r/${orphanKey}`);
    h.advance(120);

    const resp = wireOf(await h.write('tidy/secret-id'), 'approle');
    assert.equal(resp.status, 202);
    const body = resp.body ?? {};
    assert.deepEqual(body['warnings'], [
      "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.",
    ]);
    assert.equal(body['mount_type'], 'approle');
    assert.deepEqual((await h.write('tidy/secret-id'))?.warnings, ['Tidy operation already in progress.']);
    const engine = h.engine as AppRoleEngine;
    const report = await engine.tidyInFlight();
    assert.deepEqual(report, { expired: 1, withoutAccessor: 0, danglingAccessors: 1, errors: 0 });
    assert.equal(engine.tidyInFlight(), undefined);
    assert.deepEqual((await h.list('role/r/secret-id'))?.data, {
      keys: [long.secret_id_accessor, forever.secret_id_accessor].sort(),
    });
    assert.equal((await h.storage.list('secret-id-accessor/')).length, 2);
    await expectError(
      h.write('role/r/secret-id-accessor/lookup', { secret_id_accessor: short.secret_id_accessor }),
      ErrorCode.NotFound,
    );
    await expectError(
      h.write('role/r/secret-id-accessor/lookup', { secret_id_accessor: orphan.secret_id_accessor }),
      ErrorCode.NotFound,
    );
    assert.deepEqual(await engine.tidySecretIds(), {
      expired: 0,
      withoutAccessor: 0,
      danglingAccessors: 0,
      errors: 0,
    });
  });

  void it('errors are typed CofferErrors', async () => {
    const h = await approle();
    await h.write('role/r', {});
    await assert.rejects(
      h.write('role/r/secret-id', { num_uses: 'many' }),
      (err: unknown) => err instanceof CofferError,
    );
  });
});
