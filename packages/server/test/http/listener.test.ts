import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Listener, parseListenAddress } from '../../src/http/listener.js';
import { selfSignedCert } from '../e2e/self-signed-cert.js';

/** Echoes what the HTTP server saw: method, url, list marker, body length, TLS. */
function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const marker = req.headers['x-coffer-list-verb'] ?? '-';
    const tls = (req.socket as unknown as { encrypted?: boolean }).encrypted === true;
    res.end(`${req.method} ${req.url} marker=${String(marker)} body=${body} tls=${tls}`);
  });
}

function responsesOf(raw: string): string[] {
  return [
    ...raw.matchAll(
      /HTTP\/1\.1 (\d{3})[^\r]*\r\n(?:[^\r]+\r\n)*?Content-Length: (\d+)\r\n(?:[^\r]+\r\n)*\r\n/g,
    ),
  ].map((m) => {
    const start = (m.index ?? 0) + m[0].length;
    return `${m[1]} ${raw.slice(start, start + Number(m[2]))}`;
  });
}

async function rawExchange(port: number, payload: string | readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    const pieces = typeof payload === 'string' ? [payload] : payload;
    let i = 0;
    const next = (): void => {
      if (i >= pieces.length) {
        setTimeout(() => socket.end(), 50);
        return;
      }
      socket.write(pieces[i] ?? '');
      i += 1;
      setTimeout(next, 2);
    };
    next();
  });
}

void describe('parseListenAddress', () => {
  void it('splits host and port, including IPv6 and empty host', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:8200'), { host: '127.0.0.1', port: 8200 });
    assert.deepEqual(parseListenAddress('[::1]:8200'), { host: '::1', port: 8200 });
    assert.deepEqual(parseListenAddress(':8200'), { host: '0.0.0.0', port: 8200 });
    assert.throws(() => parseListenAddress('nope'));
    assert.throws(() => parseListenAddress('a:99999'));
  });
});

void describe('Listener (plain TCP) with the LIST shim', () => {
  let listener: Listener;
  let port: number;
  before(async () => {
    listener = new Listener({ address: '127.0.0.1:0' }, echo);
    ({ port } = await listener.listen());
  });
  after(async () => {
    await listener.close();
  });

  void it('answers pipelined LIST/GET/POST requests in order on one connection', async () => {
    const payload =
      'LIST /v1/kv/ HTTP/1.1\r\nHost: a\r\n\r\n' +
      'POST /v1/kv/a HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\nLIST /v1/smuggled HTTP/1.1\r\n\r\n' +
      'GET /v1/kv/a HTTP/1.1\r\nHost: a\r\nX-Coffer-List-Verb: 1\r\n\r\n' +
      'PUT /v1/kv/b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nLIST\r\n0\r\n\r\n' +
      'LIST /v1/kv/sub?x=1 HTTP/1.1\r\nHost: a\r\n\r\n';
    const responses = responsesOf(await rawExchange(port, payload));
    assert.deepEqual(responses, [
      '200 GET /v1/kv/ marker=1 body= tls=false',
      '200 POST /v1/kv/a marker=- body=LIST /v1/smuggled HTTP/1.1\r\n\r\n tls=false',
      '200 GET /v1/kv/a marker=- body= tls=false',
      '200 PUT /v1/kv/b marker=- body=LIST tls=false',
      '200 GET /v1/kv/sub?x=1 marker=1 body= tls=false',
    ]);
  });

  void it('frames requests split into tiny writes', async () => {
    const payload =
      'LIST /v1/kv/ HTTP/1.1\r\nHost: a\r\n\r\nPOST /v1/kv/a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}';
    const pieces = payload.match(/.{1,3}/gs) ?? [];
    const responses = responsesOf(await rawExchange(port, pieces));
    assert.deepEqual(responses, [
      '200 GET /v1/kv/ marker=1 body= tls=false',
      '200 POST /v1/kv/a marker=- body={} tls=false',
    ]);
  });

  void it('serves LIST from Node clients over keep-alive', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const method of ['LIST', 'GET', 'LIST']) {
        const text = await new Promise<string>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, method, path: '/v1/x', agent }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(text, `GET /v1/x marker=${method === 'LIST' ? '1' : '-'} body= tls=false`);
      }
    } finally {
      agent.destroy();
    }
  });

  void it('answers 431 and closes for an oversized request head', async () => {
    const out = await rawExchange(port, `GET /v1/x HTTP/1.1\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    assert.match(out, /^HTTP\/1\.1 431 /);
    assert.match(out, /"errors"/);
  });

  void it('answers 400 for a malformed request (ambiguous framing)', async () => {
    const out = await rawExchange(
      port,
      'POST /v1/x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    assert.match(out, /^HTTP\/1\.1 400 /);
  });
});

void describe('Listener (TLS) with the LIST shim', () => {
  let listener: Listener;
  let port: number;
  const cert = selfSignedCert();
  before(async () => {
    listener = new Listener({ address: '127.0.0.1:0', tls: { cert: cert.certPem, key: cert.keyPem } }, echo);
    ({ port } = await listener.listen());
  });
  after(async () => {
    await listener.close();
  });

  void it('rewrites LIST on the decrypted stream and reports the connection as encrypted', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port, method: 'LIST', path: '/v1/kv/', ca: cert.certPem },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(text, 'GET /v1/kv/ marker=1 body= tls=true');
  });

  void it('answers pipelined requests over TLS', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port, ca: cert.certPem, servername: 'localhost' },
        () => {
          socket.write(
            'LIST /v1/a/ HTTP/1.1\r\nHost: a\r\n\r\nPOST /v1/b HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET /v1/c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
          );
        },
      );
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
    });
    assert.deepEqual(responsesOf(out), [
      '200 GET /v1/a/ marker=1 body= tls=true',
      '200 POST /v1/b marker=- body=ok tls=true',
      '200 GET /v1/c marker=- body= tls=true',
    ]);
  });
});

void describe('Listener timeouts', () => {
  let listener: Listener;
  let port: number;
  before(async () => {
    listener = new Listener({ address: '127.0.0.1:0', headerTimeoutMs: 300, requestTimeoutMs: 600 }, echo);
    (listener.http as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 100;
    ({ port } = await listener.listen());
  });
  after(async () => {
    await listener.close();
  });

  async function held(payload: string, waitMs: number): Promise<{ closed: boolean; out: string }> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let out = '';
      let closed = false;
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => (closed = true));
      if (payload !== '') socket.write(payload);
      setTimeout(() => {
        socket.destroy();
        resolve({ closed, out });
      }, waitMs);
    });
  }

  void it('drops a connection that never sends a request head', async () => {
    assert.equal((await held('', 1000)).closed, true);
  });

  void it('drops a client that sends its head too slowly (slowloris)', async () => {
    const res = await held('GET /v1/x HTTP/1.1\r\nHost: a\r\n', 1000);
    assert.equal(res.closed, true);
    assert.equal(res.out, '');
  });

  void it('answers 408 when the body does not arrive in time', async () => {
    const res = await held('POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab', 1500);
    assert.equal(res.closed, true);
    assert.match(res.out, /^HTTP\/1\.1 408 /);
  });

  void it('keeps a healthy keep-alive connection open after its request', async () => {
    const res = await held('GET /v1/x HTTP/1.1\r\nHost: a\r\n\r\n', 800);
    assert.equal(res.closed, false);
    assert.match(res.out, /^HTTP\/1\.1 200 /);
  });
});
