import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedMutex } from '../../src/logical/keyed-mutex.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void describe('KeyedMutex', () => {
  void it('runs work for one key strictly one after another', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string) => async (): Promise<string> => {
      log.push(`${name}:start`);
      await tick();
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([
      mutex.run('k', job('a')),
      mutex.run('k', job('b')),
      mutex.run('k', job('c')),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  void it('lets different keys interleave', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string) => async (): Promise<void> => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
    };
    await Promise.all([mutex.run('x', job('x')), mutex.run('y', job('y'))]);
    assert.deepEqual(log, ['x:start', 'y:start', 'x:end', 'y:end']);
  });

  void it('a failing job releases the lock and rejects only its caller', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('k', async () => {
      throw new Error('boom');
    });
    const next = mutex.run('k', async () => 'ok');
    await assert.rejects(failing, /boom/);
    assert.equal(await next, 'ok');
  });

  void it('forgets keys once idle', async () => {
    const mutex = new KeyedMutex();
    await Promise.all([
      mutex.run('a', async () => 1),
      mutex.run('b', async () => 2),
      mutex.run('a', async () => 3),
    ]);
    assert.equal(mutex.size, 0);
  });
});
