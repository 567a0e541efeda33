import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeOfStatus } from './outcome-of-status.js';

void describe('outcomeOfStatus', () => {
  void it('2xx ok, 4xx definite failure, 5xx / no answer indeterminate', () => {
    assert.equal(outcomeOfStatus(200), 'ok');
    assert.equal(outcomeOfStatus(204), 'ok');
    assert.equal(outcomeOfStatus(400), 'fail');
    assert.equal(outcomeOfStatus(403), 'fail');
    assert.equal(outcomeOfStatus(429), 'fail');
    assert.equal(outcomeOfStatus(500), 'info');
    assert.equal(outcomeOfStatus(503), 'info');
    assert.equal(outcomeOfStatus(undefined), 'info');
    assert.equal(outcomeOfStatus(307), 'info');
  });
});
