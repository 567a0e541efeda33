import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClusterAddress } from '../../src/ha/cluster-address.js';
import { CofferError } from '../../src/errors/coffer-error.js';

void describe('parseClusterAddress', () => {
  void it('accepts URLs (any scheme) and bare host:port', () => {
    assert.deepEqual(parseClusterAddress('https://10.0.0.1:8201'), {
      host: '10.0.0.1',
      port: 8201,
      hostPort: '10.0.0.1:8201',
    });
    assert.deepEqual(parseClusterAddress('node-2.example:8201'), {
      host: 'node-2.example',
      port: 8201,
      hostPort: 'node-2.example:8201',
    });
    assert.deepEqual(parseClusterAddress('[::1]:8201'), { host: '::1', port: 8201, hostPort: '[::1]:8201' });
    assert.deepEqual(parseClusterAddress(' http://127.0.0.1:1/ '), {
      host: '127.0.0.1',
      port: 1,
      hostPort: '127.0.0.1:1',
    });
  });

  void it('refuses values without a host or port', () => {
    for (const bad of ['', 'localhost', 'https://host', ':8201', 'host:99999', 'host:0']) {
      assert.throws(() => parseClusterAddress(bad), CofferError, bad);
    }
  });
});
