import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aeadTerm } from '../src/aead.js';
import { BarrierError } from '../src/barrier-error.js';
import { Keyring } from '../src/keyring.js';

const t0 = new Date('2024-01-02T03:04:05.678Z');
const t1 = new Date('2024-02-03T04:05:06.789Z');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

void describe('Keyring', () => {
  void it('starts at term 1 with its install time', () => {
    const k = Keyring.generate(t0);
    assert.equal(k.activeTerm, 1);
    assert.deepEqual(k.terms, [1]);
    assert.deepEqual(k.status(), { term: 1, installTime: '2024-01-02T03:04:05.678Z', encryptions: 0 });
  });

  void it('rotate returns a new keyring and leaves the old one unchanged', () => {
    const k1 = Keyring.generate(t0);
    const k2 = k1.rotate(t1);
    assert.notEqual(k1, k2);
    assert.equal(k1.activeTerm, 1);
    assert.deepEqual(k1.terms, [1]);
    assert.equal(k2.activeTerm, 2);
    assert.deepEqual(k2.terms, [1, 2]);
    assert.equal(k2.status().installTime, t1.toISOString());
    assert.ok(Object.isFrozen(k2));
  });

  void it('encrypts with the active term; old terms still decrypt', () => {
    const k1 = Keyring.generate(t0);
    const old = k1.encrypt('a', text('old'));
    const k3 = k1.rotate(t1).rotate(t1);
    const fresh = k3.encrypt('a', text('new'));
    assert.equal(aeadTerm(old), 1);
    assert.equal(aeadTerm(fresh), 3);
    assert.deepEqual(k3.decrypt('a', old), text('old'));
    assert.deepEqual(k3.decrypt('a', fresh), text('new'));
    assert.throws(
      () => k1.decrypt('a', fresh),
      (e: unknown) => BarrierError.is(e, 'DECRYPTION_FAILED') && /unknown key term 3/.test(e.message),
    );
  });

  void it('serializes to JSON with base64 keys and back', () => {
    const k = Keyring.generate(t0)
      .rotate(t1)
      .withEncryptions((term) => term * 10);
    const json = JSON.parse(new TextDecoder().decode(k.serialize())) as {
      version: number;
      active_term: number;
      keys: { term: number; key: string; install_time: string; encryptions: number }[];
    };
    assert.equal(json.version, 1);
    assert.equal(json.active_term, 2);
    assert.deepEqual(
      json.keys.map((e) => [e.term, e.install_time, e.encryptions, Buffer.from(e.key, 'base64').length]),
      [
        [1, t0.toISOString(), 10, 32],
        [2, t1.toISOString(), 20, 32],
      ],
    );
    const back = Keyring.deserialize(k.serialize());
    assert.equal(back.fingerprint(), k.fingerprint());
    assert.deepEqual(back.status(1), k.status(1));
    assert.deepEqual(back.status(2), k.status(2));
    assert.deepEqual(back.decrypt('p', k.encrypt('p', text('x'))), text('x'));
  });

  void it('refuses malformed serialized keyrings', () => {
    const good = JSON.parse(new TextDecoder().decode(Keyring.generate(t0).serialize())) as Record<
      string,
      unknown
    >;
    const entry = (good.keys as Record<string, unknown>[])[0] as Record<string, unknown>;
    const variants: unknown[] = [
      'not json',
      null,
      { ...good, version: 2 },
      { ...good, active_term: 2 },
      { ...good, keys: [] },
      { ...good, keys: [{ ...entry, key: 'AAAA' }] },
      { ...good, keys: [{ ...entry, term: 0 }] },
      { ...good, keys: [entry, entry] },
      { ...good, keys: [{ ...entry, encryptions: -1 }] },
    ];
    for (const v of variants) {
      const bytes = new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
      assert.throws(
        () => Keyring.deserialize(bytes),
        (e: unknown) => BarrierError.is(e, 'DECRYPTION_FAILED'),
        JSON.stringify(v),
      );
    }
  });

  void it('fingerprint is stable, changes on rotate, ignores counters, and reveals no key', () => {
    const k = Keyring.generate(t0);
    const fp = k.fingerprint();
    assert.match(fp, /^[0-9a-f]{64}$/);
    assert.equal(k.fingerprint(), fp);
    assert.equal(k.withEncryptions(() => 99).fingerprint(), fp);
    assert.notEqual(k.rotate(t1).fingerprint(), fp);
    assert.notEqual(Keyring.generate(t0).fingerprint(), fp);
    const json = JSON.parse(new TextDecoder().decode(k.serialize())) as { keys: { key: string }[] };
    const hex = Buffer.from(json.keys[0]?.key ?? '', 'base64').toString('hex');
    assert.ok(!fp.includes(hex.slice(0, 16)));
  });
});
