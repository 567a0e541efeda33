import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForwardedCall, ForwardedResult } from '../../src/cluster/forwarded-call.js';
import type { ForwardedRequest } from '../../src/cluster/forwarded-request.js';
import type { ForwardedResponse } from '../../src/cluster/forwarded-response.js';
import { forwardingBatches } from '../../src/cluster/forwarding-batches.js';
import { ForwardingCodec } from '../../src/cluster/forwarding-codec.js';

void describe('ForwardingCodec', () => {
  const codec = ForwardingCodec.get();

  void it('round-trips a request, keeping header multiplicity and every byte of the body', () => {
    const body = new Uint8Array(512);
    for (let i = 0; i < body.length; i++) body[i] = i % 256;
    const request: ForwardedRequest = {
      method: 'LIST',
      url: '/v1/secret/metadata/?list=true&x=%2F',
      headers: {
        'x-vault-token': ['s.abc'],
        'x-multi': ['1', '2', '2'],
        ['__proto__']: ['not a prototype'],
        'x-empty': [''],
      },
      body,
      clientAddress: '203.0.113.7',
      requestId: 'req-1',
    };
    const decoded = codec.decodeRequest(codec.encodeRequest(request));
    assert.deepEqual(decoded, request);
    assert.equal(Object.getPrototypeOf(decoded.body), Uint8Array.prototype);
    assert.equal(Object.getPrototypeOf(decoded.headers), Object.prototype);
    assert.deepEqual(Object.keys(decoded.headers), Object.keys(request.headers));
  });

  void it('round-trips a response, an empty body and no headers', () => {
    const response: ForwardedResponse = { status: 204, headers: {}, body: new Uint8Array(0) };
    assert.deepEqual(codec.decodeResponse(codec.encodeResponse(response)), response);
  });

  void it('round-trips echo messages with large applied indexes', () => {
    const echo = { nodeId: 'n1', clusterAddress: '127.0.0.1:8201', appliedIndex: 2 ** 40 + 3 };
    assert.deepEqual(codec.decodeEchoRequest(codec.encodeEchoRequest(echo)), echo);
    assert.deepEqual(codec.decodeEchoReply(codec.encodeEchoReply(echo)), echo);
  });

  void it('merges repeated header fields of one name in order', () => {
    // Two fields with the same name on the wire (another implementation might send that).
    const a = codec.encodeResponse({
      status: 200,
      headers: { 'set-cookie': ['a=1'] },
      body: new Uint8Array(0),
    });
    const b = codec.encodeResponse({
      status: 200,
      headers: { 'set-cookie': ['b=2'] },
      body: new Uint8Array(0),
    });
    // Concatenated protobuf messages merge: repeated fields append.
    const decoded = codec.decodeResponse(Buffer.concat([a, b]));
    assert.deepEqual(decoded.headers, { 'set-cookie': ['a=1', 'b=2'] });
  });

  void it('round-trips a stream message of calls (ids up to 2^32-1, timeouts, each request whole)', () => {
    const calls: ForwardedCall[] = [1, 2, 0xffff_ffff].map((id) => ({
      id,
      timeoutMs: id === 2 ? 1 : 90_000,
      request: {
        method: 'PUT',
        url: `/v1/secret/data/k-${id}`,
        headers: { 'x-vault-token': ['hvs.x'], 'x-multi': ['a', 'b'] },
        body: new TextEncoder().encode(`body-${id}`),
        clientAddress: '198.51.100.1',
        requestId: `r-${id}`,
      },
    }));
    assert.deepEqual(codec.decodeCalls(codec.encodeCalls(calls)), calls);
    assert.deepEqual(codec.decodeCalls(codec.encodeCalls([])), []);
  });

  void it('round-trips a stream message of results of every kind', () => {
    const results: ForwardedResult[] = [
      {
        id: 4,
        response: {
          status: 200,
          headers: { 'content-type': ['application/json'] },
          body: new Uint8Array([1, 2]),
        },
      },
      { id: 5, response: { status: 204, headers: {}, body: new Uint8Array(0) } },
      { id: 6, error: { code: 'SEALED', message: 'Vault is sealed' } },
      { id: 7, failed: true },
    ];
    assert.deepEqual(codec.decodeResults(codec.encodeResults(results)), results);
  });
});

void describe('forwardingBatches', () => {
  const size = (n: number): number => n;

  void it('keeps order and fills messages up to the soft size', () => {
    assert.deepEqual(forwardingBatches([3, 3, 3, 3], size, 6), [
      [3, 3],
      [3, 3],
    ]);
    assert.deepEqual(forwardingBatches([1, 2, 3], size, 100), [[1, 2, 3]]);
    assert.deepEqual(forwardingBatches([], size, 100), []);
  });

  void it('sends an item over the soft size alone, never splits or drops one', () => {
    assert.deepEqual(forwardingBatches([1, 50, 1, 1], size, 10), [[1], [50], [1, 1]]);
    assert.deepEqual(forwardingBatches([50], size, 10), [[50]]);
  });

  void it('caps the number of items per message', () => {
    assert.deepEqual(forwardingBatches([1, 1, 1, 1, 1], size, 100, 2), [[1, 1], [1, 1], [1]]);
  });
});
