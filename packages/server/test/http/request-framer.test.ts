import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestFramer } from '../../src/http/request-framer.js';

const enc = (s: string): Buffer => Buffer.from(s, 'latin1');
const dec = (bufs: readonly Buffer[]): string => Buffer.concat(bufs).toString('latin1');

function frameWhole(input: string, maxHeadBytes?: number): { out: string; framer: RequestFramer } {
  const framer = new RequestFramer(maxHeadBytes === undefined ? {} : { maxHeadBytes });
  const out = [...framer.push(enc(input)), ...framer.end()];
  return { out: dec(out), framer };
}

function framePieces(pieces: readonly string[]): string {
  const framer = new RequestFramer();
  const out: Buffer[] = [];
  for (const p of pieces) out.push(...framer.push(enc(p)));
  out.push(...framer.end());
  return dec(out);
}

const PIPELINE =
  'LIST /v1/secret/metadata/?x=1 HTTP/1.1\r\nHost: a\r\nX-Vault-Token: t\r\n\r\n' +
  'POST /v1/secret/data/k HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n' +
  'LIST /v1/evil HTTP/1.1\r\nHost: a\r\n\r\n12345' +
  'GET /v1/sys/health HTTP/1.1\r\nHost: a\r\n\r\n' +
  'PUT /v1/kv/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;ext=1\r\nLIST \r\n19\r\n/v1/inside HTTP/1.1\r\n\r\n\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n' +
  'LIST /v1/kv/ HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}' +
  'DELETE /v1/kv/x HTTP/1.1\r\nHost: a\r\nX-Coffer-List-Verb: 1\r\n\r\n';

const EXPECTED =
  'GET /v1/secret/metadata/?x=1 HTTP/1.1\r\nx-coffer-list-verb: 1\r\nHost: a\r\nX-Vault-Token: t\r\n\r\n' +
  'POST /v1/secret/data/k HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n' +
  'LIST /v1/evil HTTP/1.1\r\nHost: a\r\n\r\n12345' +
  'GET /v1/sys/health HTTP/1.1\r\nHost: a\r\n\r\n' +
  'PUT /v1/kv/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;ext=1\r\nLIST \r\n19\r\n/v1/inside HTTP/1.1\r\n\r\n\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n' +
  'GET /v1/kv/ HTTP/1.1\r\nx-coffer-list-verb: 1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}' +
  'DELETE /v1/kv/x HTTP/1.1\r\nHost: a\r\n\r\n';

void describe('RequestFramer', () => {
  void it('rewrites LIST to GET plus the marker and leaves other requests byte-exact', () => {
    const { out, framer } = frameWhole(
      'GET /v1/a HTTP/1.1\r\nHost: a\r\n\r\nLIST /v1/b HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.equal(
      out,
      'GET /v1/a HTTP/1.1\r\nHost: a\r\n\r\nGET /v1/b HTTP/1.1\r\nx-coffer-list-verb: 1\r\nHost: a\r\n\r\n',
    );
    assert.equal(framer.requests, 2);
    assert.equal(framer.rewrites, 1);
  });

  void it('frames a pipelined mix of LIST/GET/POST/PUT/DELETE with length and chunked bodies', () => {
    const { out, framer } = frameWhole(PIPELINE);
    assert.equal(out, EXPECTED);
    assert.equal(framer.requests, 6);
    assert.equal(framer.rewrites, 2);
    assert.equal(framer.passthrough, false);
  });

  void it('gives the same bytes for every split point of the pipeline', () => {
    for (let i = 0; i <= PIPELINE.length; i += 1) {
      assert.equal(framePieces([PIPELINE.slice(0, i), PIPELINE.slice(i)]), EXPECTED, `split at ${i}`);
    }
  });

  void it('gives the same bytes for every pair of split points of a chunked request', () => {
    const input =
      'PUT /v1/kv/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nLIST /v1/kv/ HTTP/1.1\r\n\r\n';
    const expected =
      'PUT /v1/kv/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /v1/kv/ HTTP/1.1\r\nx-coffer-list-verb: 1\r\n\r\n';
    for (let i = 0; i <= input.length; i += 1) {
      for (let j = i; j <= input.length; j += 7) {
        assert.equal(
          framePieces([input.slice(0, i), input.slice(i, j), input.slice(j)]),
          expected,
          `split ${i}/${j}`,
        );
      }
    }
  });

  void it('gives the same bytes when fed one byte at a time', () => {
    assert.equal(framePieces([...PIPELINE]), EXPECTED);
  });

  void it('does not rewrite LIST text inside bodies', () => {
    const body = 'LIST /v1/x HTTP/1.1\r\n\r\n';
    const input = `POST /v1/a HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    assert.equal(frameWhole(input).out, input);
  });

  void it('forwards empty lines between requests unchanged', () => {
    const input = '\r\nLIST /v1/a HTTP/1.1\r\n\r\n\r\n';
    assert.equal(frameWhole(input).out, '\r\nGET /v1/a HTTP/1.1\r\nx-coffer-list-verb: 1\r\n\r\n\r\n');
  });

  void it('accepts a lower-case list method (hashi-vault-js passes "list")', () => {
    assert.equal(
      frameWhole('list /v1/a HTTP/1.1\r\n\r\n').out,
      'GET /v1/a HTTP/1.1\r\nx-coffer-list-verb: 1\r\n\r\n',
    );
  });

  void it('strips a client-sent marker header in any case from non-LIST requests', () => {
    const input = 'GET /v1/a HTTP/1.1\r\nX-COFFER-LIST-VERB: 1\r\nHost: a\r\n\r\n';
    assert.equal(frameWhole(input).out, 'GET /v1/a HTTP/1.1\r\nHost: a\r\n\r\n');
  });

  void it('keeps non-ASCII header bytes byte-exact when it rewrites', () => {
    const input = Buffer.concat([
      enc('LIST /v1/a HTTP/1.1\r\nX-Name: '),
      Buffer.from([0xc3, 0xa9, 0xff]),
      enc('\r\n\r\n'),
    ]);
    const framer = new RequestFramer();
    const out = Buffer.concat(framer.push(input));
    const expected = Buffer.concat([
      enc('GET /v1/a HTTP/1.1\r\nx-coffer-list-verb: 1\r\nX-Name: '),
      Buffer.from([0xc3, 0xa9, 0xff]),
      enc('\r\n\r\n'),
    ]);
    assert.deepEqual(out, expected);
  });

  void it('goes passthrough when a head exceeds the limit, without buffering more', () => {
    const framer = new RequestFramer({ maxHeadBytes: 100 });
    const big = `GET /v1/a HTTP/1.1\r\nX-Big: ${'a'.repeat(200)}\r\n\r\nLIST /v1/b HTTP/1.1\r\n\r\n`;
    const out = dec(framer.push(enc(big)));
    assert.equal(framer.passthrough, true);
    assert.equal(out, big, 'forwarded raw so the HTTP parser rejects it');
  });

  void it('goes passthrough on ambiguous framing (Content-Length with Transfer-Encoding, duplicate lengths)', () => {
    for (const head of [
      'POST /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n',
      'POST /a HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n',
      'POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
      'POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n',
      'GET /a HTTP/1.1\r\nBad Header: x\r\n\r\n',
      'GET  /a HTTP/1.1\r\n\r\n',
    ]) {
      const { out, framer } = frameWhole(`${head}LIST /b HTTP/1.1\r\n\r\n`);
      assert.equal(framer.passthrough, true, head);
      assert.equal(out, `${head}LIST /b HTTP/1.1\r\n\r\n`);
    }
  });

  void it('goes passthrough on a malformed chunk size or missing CRLF after chunk data', () => {
    for (const body of ['3 \r\nabc\r\n0\r\n\r\n', 'zz\r\n', '3\r\nabcX\r\n', '3\nabc\n0\n\n']) {
      const input = `POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n${body}LIST /b HTTP/1.1\r\n\r\n`;
      const { out, framer } = frameWhole(input);
      assert.equal(framer.passthrough, true, body);
      assert.equal(out, input);
    }
  });

  void it('treats chunked as the final coding after other codings', () => {
    const input =
      'POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nLIST /b HTTP/1.1\r\n\r\n';
    const { out, framer } = frameWhole(input);
    assert.equal(framer.passthrough, false);
    assert.ok(out.endsWith('GET /b HTTP/1.1\r\nx-coffer-list-verb: 1\r\n\r\n'));
  });

  void it('passes CONNECT through untouched afterwards', () => {
    const input = 'CONNECT a:443 HTTP/1.1\r\n\r\nLIST /b HTTP/1.1\r\n\r\n';
    const { out, framer } = frameWhole(input);
    assert.equal(framer.passthrough, true);
    assert.equal(out, input);
  });

  void it('flushes a partial head at end of stream', () => {
    const framer = new RequestFramer();
    assert.deepEqual(framer.push(enc('GET /v1/a HTTP/1.1\r\nHo')), []);
    assert.equal(dec(framer.end()), 'GET /v1/a HTTP/1.1\r\nHo');
  });
});
