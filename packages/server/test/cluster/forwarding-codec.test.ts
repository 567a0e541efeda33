import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForwardedRequest } from '../../src/cluster/forwarded-request.js';
import type { ForwardedResponse } from '../../src/cluster/forwarded-response.js';
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
});
