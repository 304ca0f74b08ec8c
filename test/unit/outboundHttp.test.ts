import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundHttp, OutboundError, USER_AGENT } from '#shared/adapters/outboundHttp.ts';

/** Starts a server on 127.0.0.1:0, counting the TCP connections it accepts. */
async function listen(server: Server): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `127.0.0.1:${port}`, connections: () => connections };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function expectOutboundError(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

const received: { method?: string; headers?: IncomingMessage['headers']; body?: string; socket?: Socket }[] =
  [];

const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: req.method ?? '', headers: req.headers, body, socket: req.socket });
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('y'.repeat(300_000));
    } else if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(5000));
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 1000).unref();
    } else {
      res.writeHead(201, { 'content-type': 'application/json', 'x-reply': 'yes' });
      res.end(JSON.stringify({ ok: true }));
    }
  });
};

describe('outbound HTTP client', () => {
  const server = createServer(handler);
  let base = '';
  let connections: () => number = () => 0;
  const http = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });

  beforeAll(async () => {
    const started = await listen(server);
    base = `http://${started.url}`;
    connections = started.connections;
  });

  afterAll(async () => {
    await http.close();
    await close(server);
  });

  it('delivers the request and returns status, headers, body and latency', async () => {
    const response = await http.send({
      url: `${base}/hook?x=1`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'd-1' },
      body: '{"order_id":1}',
      timeoutMs: 2000,
      insecureTls: false,
    });
    expect(response).toMatchObject({ status: 201, statusText: 'Created', body: '{"ok":true}' });
    expect(response.headers['x-reply']).toBe('yes');
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
    const got = received.at(-1)!;
    expect(got.method).toBe('POST');
    expect(got.body).toBe('{"order_id":1}');
    expect(got.headers?.['user-agent']).toBe(USER_AGENT);
    expect(got.headers?.['webhook-id']).toBe('d-1');
    expect(got.headers?.host).toBe(base.replace('http://', ''));
  });

  it('sends a body given as bytes exactly, with its byte length', async () => {
    const text = JSON.stringify({ note: 'é'.repeat(30_000) });
    await http.send({
      url: `${base}/hook`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(text),
      timeoutMs: 2000,
      insecureTls: false,
    });
    const got = received.at(-1)!;
    expect(got.body).toBe(text);
    expect(got.headers?.['content-length']).toBe(String(Buffer.byteLength(text)));
  });

  it("keeps the caller's user-agent", async () => {
    await http.send({
      url: base,
      method: 'GET',
      headers: { 'User-Agent': 'custom/1' },
      timeoutMs: 2000,
      insecureTls: false,
    });
    expect(received.at(-1)?.headers?.['user-agent']).toBe('custom/1');
  });

  it('sends a header named twice in different case once, with the later value', async () => {
    await http.send({
      url: `${base}/hook`,
      method: 'POST',
      headers: { 'X-Dup': 'first', 'x-dup': 'second', 'x-other': 'kept' },
      body: '{}',
      timeoutMs: 2000,
      insecureTls: false,
    });
    const got = received.at(-1)!;
    expect(got.headers?.['x-dup']).toBe('second');
    expect(got.headers?.['x-other']).toBe('kept');
  });

  it('frames a request without a body as Node does: Content-Length 0 on POST, nothing on GET', async () => {
    for (const [method, length] of [
      ['POST', '0'],
      ['PUT', '0'],
      ['GET', undefined],
      ['DELETE', undefined],
    ] as const) {
      await http.send({ url: `${base}/hook`, method, headers: {}, timeoutMs: 2000, insecureTls: false });
      const got = received.at(-1)!;
      expect(got.method).toBe(method);
      expect(got.headers?.['content-length']).toBe(length);
      expect(got.headers?.['transfer-encoding']).toBeUndefined();
    }
  });

  it('keeps only the first 1 KB of a response body', async () => {
    const response = await http.send({
      url: `${base}/big`,
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
      insecureTls: false,
    });
    expect(response.body).toBe('x'.repeat(1024));
  });

  it('reuses one kept-alive connection for consecutive requests', async () => {
    const before = connections();
    for (let i = 0; i < 3; i++) {
      await http.send({
        url: `${base}/big`,
        method: 'POST',
        headers: {},
        body: '{}',
        timeoutMs: 2000,
        insecureTls: false,
      });
    }
    const sockets = new Set(received.slice(-3).map((r) => r.socket));
    expect(sockets.size).toBe(1);
    expect(connections() - before).toBeLessThanOrEqual(1);
  });

  it('stops reading a very large body without failing the request (closing that connection)', async () => {
    const response = await http.send({
      url: `${base}/huge`,
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
      insecureTls: false,
    });
    expect(response.status).toBe(200);
    expect(response.body).toBe('y'.repeat(1024));
  });

  it('times out a slow receiver with a clear message', async () => {
    const error = await expectOutboundError(
      http.send({
        url: `${base}/slow`,
        method: 'POST',
        headers: {},
        body: '{}',
        timeoutMs: 200,
        insecureTls: false,
      }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/no response within 200 ms/);
  });

  it('reports a refused connection as a network error with its code', async () => {
    const spare = createServer();
    const { url } = await listen(spare);
    await close(spare);
    const error = await expectOutboundError(
      http.send({
        url: `http://${url}/`,
        method: 'POST',
        headers: {},
        body: '{}',
        timeoutMs: 2000,
        insecureTls: false,
      }),
    );
    expect(error.kind).toBe('network');
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/refused/i);
  });

  it('refuses loopback targets unless the deployment allows them', async () => {
    const strict = createOutboundHttp();
    const before = received.length;
    const error = await expectOutboundError(
      strict.send({
        url: `${base}/hook`,
        method: 'POST',
        headers: {},
        body: '{}',
        timeoutMs: 2000,
        insecureTls: false,
      }),
    );
    expect(error.kind).toBe('blocked');
    expect(error.message).toMatch(/127\.0\.0\.1/);
    expect(error.message).toMatch(/loopback/);
    expect(error.message).toMatch(/ALLOW_PRIVATE_TARGETS/);
    expect(received.length).toBe(before);
  });

  it('refuses a request that can never be sent (CR/LF, text beyond Latin-1 in a header) as blocked, not as a network error', async () => {
    const before = received.length;
    for (const value of ['a\r\nInjected: 1', '机器']) {
      const error = await expectOutboundError(
        http.send({
          url: `${base}/hook`,
          method: 'POST',
          headers: { 'x-bad': value },
          body: '{}',
          timeoutMs: 2000,
          insecureTls: false,
        }),
      );
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(/can never be sent/);
    }
    expect(received.length).toBe(before);
  });

  it('refuses schemes other than http and https', async () => {
    const error = await expectOutboundError(
      http.send({
        url: 'file:///etc/passwd',
        method: 'GET',
        headers: {},
        timeoutMs: 2000,
        insecureTls: false,
      }),
    );
    expect(error.kind).toBe('blocked');
  });
});

function makeCertificate(): { key: Buffer; cert: Buffer } | string {
  let dir: string | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch (error) {
    return `openssl could not create a self-signed certificate: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const tls = makeCertificate();
const localhostIsIpv4 = (await lookup('localhost', { all: true })).every((a) => a.address === '127.0.0.1');
if (typeof tls === 'string') console.warn(`Skipping the self-signed HTTPS case: ${tls}`);

describe.skipIf(typeof tls === 'string')('outbound HTTPS with a self-signed certificate', () => {
  const server = createHttpsServer(typeof tls === 'string' ? {} : tls, handler);
  let base = '';
  const http = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await http.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('rejects the certificate by default, naming the way out', async () => {
    const error = await expectOutboundError(
      http.send({
        url: `${base}/hook`,
        method: 'POST',
        headers: {},
        body: '{}',
        timeoutMs: 3000,
        insecureTls: false,
      }),
    );
    expect(error.kind).toBe('network');
    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.message).toMatch(/insecure_tls/);
  });

  it.skipIf(!localhostIsIpv4)(
    'connects to the checked address but keeps the name for TLS and Host',
    async () => {
      const port = new URL(base).port;
      await http.send({
        url: `https://localhost:${port}/named`,
        method: 'GET',
        headers: {},
        timeoutMs: 3000,
        insecureTls: true,
      });
      const got = received.at(-1)!;
      expect(got.headers?.host).toBe(`localhost:${port}`);
      expect((got.socket as TLSSocket).servername).toBe('localhost');
    },
  );

  it('accepts it when the hook asks for insecure TLS', async () => {
    const response = await http.send({
      url: `${base}/hook`,
      method: 'POST',
      headers: {},
      body: '{}',
      timeoutMs: 3000,
      insecureTls: true,
    });
    expect(response.status).toBe(201);
  });
});

describe('the address guard with host names', () => {
  const server = createServer(handler);
  let port = 0;
  const allowing = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });
  const strict = createOutboundHttp();

  beforeAll(async () => {
    port = Number((await listen(server)).url.split(':')[1]);
  });

  afterAll(async () => {
    await allowing.close();
    await close(server);
  });

  const post = (client: typeof strict, url: string) =>
    client.send({ url, method: 'POST', headers: {}, body: '{}', timeoutMs: 2000, insecureTls: false });

  it('refuses a name that resolves to a guarded address, naming both, on every request', async () => {
    const before = received.length;
    for (let i = 0; i < 3; i++) {
      const error = await expectOutboundError(post(strict, `http://localhost:${port}/hook`));
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(/Refusing to connect to localhost \((127\.0\.0\.1|::1)\)/);
      expect(error.message).toMatch(/loopback/);
    }
    expect(received.length).toBe(before);
  });

  it.skipIf(!localhostIsIpv4)(
    'connects a name to the checked address; another policy never reuses that verdict',
    async () => {
      for (let i = 0; i < 2; i++) {
        const response = await post(allowing, `http://localhost:${port}/hook`);
        expect(response.status).toBe(201);
        expect(received.at(-1)?.headers?.host).toBe(`localhost:${port}`);
      }
      const before = received.length;
      const error = await expectOutboundError(post(strict, `http://localhost:${port}/hook`));
      expect(error.kind).toBe('blocked');
      const literal = await expectOutboundError(post(strict, `http://127.0.0.1:${port}/hook`));
      expect(literal.kind).toBe('blocked');
      expect(received.length).toBe(before);
    },
  );

  it('names the host that does not resolve, as a network error', async () => {
    const error = await expectOutboundError(post(allowing, 'http://no-such-host.invalid/hook'));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/Could not resolve no-such-host\.invalid/);
  });
});
