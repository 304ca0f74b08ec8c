import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { tableItems } from '../support/inspect.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * Every reproduction of issue 12 ("bad input never breaks anything"), each with the answer a user
 * now gets. The app reaches loopback only (like a deployment allowing one private range), so a
 * hook URL with another refused literal address is a 422 at creation.
 */
describe('bad input never breaks anything', () => {
  let app: LocalApp;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'loopback', DELIVERY_RETRY_SCHEDULE_SECONDS: '1,1' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.stop();
  });

  const admin = (tenant: string) => tokenFor(tenant, ['admin'], `admin-${tenant}`);
  const hookBody = (extra: Json = {}) => ({
    name: 'orders',
    events: ['order.created'],
    url: `${receiver.url}/orders`,
    ...extra,
  });
  const raw = (json: string) => ({ rawBody: json, headers: { 'content-type': 'application/json' } });

  it('stores an empty key in data exactly, and the tenant keeps working', async () => {
    const token = await admin(newTenant());
    const created = await call(app, 'POST', '/v1/hooks', {
      token,
      body: hookBody({ data: { '': 'v', x: { '': [] } } }),
    });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as Json).id as string;
    expect((created.body as Json).data).toEqual({ '': 'v', x: { '': [] } });

    const list = await call(app, 'GET', '/v1/hooks', { token });
    expect(list.status).toBe(200);
    expect((list.body as Json).hooks[0].data).toEqual({ '': 'v', x: { '': [] } });
    expect((await call(app, 'GET', `/v1/hooks/${id}`, { token })).status).toBe(200);
    const event = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.created', data: { order_id: 'o-1' } },
    });
    expect(event.status, event.text).toBe(202);
    const delivered = await eventually(() => receiver.received.find((r) => r.json?.order_id === 'o-1'));
    expect(delivered.json).toEqual({ '': 'v', x: { '': [] }, order_id: 'o-1' });
    expect((await call(app, 'DELETE', `/v1/hooks/${id}`, { token })).status).toBe(204);
  });

  it('keeps numbers exactly, or refuses the ones a JSON number cannot hold, naming field and limit', async () => {
    const token = await admin(newTenant());
    const kept = await call(app, 'POST', '/v1/hooks', {
      token,
      ...raw(
        `{"name":"n","events":["order.created"],"url":"${receiver.url}/n","data":{"a":1e16,"b":1e20,"c":1e-300,"d":-0.5,"e":123456789012345}}`,
      ),
    });
    expect(kept.status, kept.text).toBe(201);
    expect(kept.text).toContain(
      '"data":{"a":10000000000000000,"b":100000000000000000000,"c":1e-300,"d":-0.5,"e":123456789012345}',
    );
    const again = await call(app, 'GET', `/v1/hooks/${(kept.body as Json).id}`, { token });
    expect((again.body as Json).data).toEqual({ a: 1e16, b: 1e20, c: 1e-300, d: -0.5, e: 123456789012345 });

    const refused = await call(app, 'POST', '/v1/hooks', {
      token,
      ...raw(
        `{"name":"n","events":["order.created"],"url":"${receiver.url}/n","data":{"big":9007199254740993,"inf":1e400,"tiny":1e-400,"ok":1}}`,
      ),
    });
    expect(refused.status).toBe(422);
    const errors = (refused.body as Json).errors as Json[];
    expect(errors.map((e) => e.field).sort()).toEqual(['data.big', 'data.inf', 'data.tiny']);
    expect(errors.find((e) => e.field === 'data.big')!.message).toMatch(
      /9007199254740993 cannot be kept exactly.*2\^53/,
    );
    expect(errors.find((e) => e.field === 'data.inf')!.message).toMatch(/1e400 is out of range/);

    const event = await call(app, 'POST', '/v1/events', {
      token,
      ...raw('{"type":"order.created","data":{"order_id":"o-2","amount":1e400}}'),
    });
    expect(event.status).toBe(422);
    expect((event.body as Json).errors).toEqual([
      { field: 'data.amount', message: expect.stringMatching(/out of range/) },
    ]);
  });

  it('refuses nesting deeper than 32 levels (hook data 10 000 deep, event data 5 000 deep) and leaves no event behind', async () => {
    const tenant = newTenant();
    const token = await admin(tenant);
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const hook = await call(app, 'POST', '/v1/hooks', {
      token,
      ...raw(`{"name":"n","events":["order.created"],"url":"${receiver.url}/deep","data":${deep(10_000)}}`),
    });
    expect(hook.status).toBe(422);
    expect((hook.body as Json).errors[0]).toEqual({
      field: `data${'.a'.repeat(31)}`,
      message: 'nests objects and arrays deeper than 32 levels (the limit)',
    });
    // Just within the limit: the body is level 1, data level 2, so 31 levels of data are fine.
    const within = await call(app, 'POST', '/v1/hooks', {
      token,
      ...raw(`{"name":"n","events":["order.created"],"url":"${receiver.url}/deep","data":${deep(31)}}`),
    });
    expect(within.status, within.text).toBe(201);

    const event = await call(app, 'POST', '/v1/events', {
      token,
      ...raw(`{"type":"order.created","data":{"order_id":"o-3","x":${deep(5_000)}}}`),
    });
    expect(event.status).toBe(422);
    expect((event.body as Json).errors[0].message).toMatch(/deeper than 32 levels/);
    const events = (await tableItems(app)).filter(
      (i) => i.pk === `T#${tenant}` && String(i.sk).startsWith('EVENTS#'),
    );
    expect(events).toEqual([]);
  });

  it('answers 400 to malformed percent-encoding in a path or query, never 500', async () => {
    const token = await admin(newTenant());
    const path = await call(app, 'GET', '/v1/hooks/%E0%A4%A', { token });
    expect(path.status).toBe(400);
    expect((path.body as Json).message).toMatch(/percent-encoding.*hookId/);
    const query = await call(app, 'GET', '/v1/hooks?cursor=%E0%A4%A', { token });
    expect(query.status).toBe(400);
    expect((query.body as Json).message).toMatch(/percent-encoding in the query/);
    // Well-formed encoding of "%%%": decoded once, then refused as a cursor this API never issued.
    const cursor = await call(app, 'GET', '/v1/hooks?cursor=%25%25%25', { token });
    expect(cursor.status).toBe(422);
    expect((cursor.body as Json).errors[0].field).toBe('cursor');
  });

  it('refuses headers a request could never be sent with, naming each', async () => {
    const token = await admin(newTenant());
    const res = await call(app, 'POST', '/v1/hooks', {
      token,
      body: hookBody({
        headers: {
          'X-Crlf': 'a\r\nInjected: 1',
          'X-Text': '机器',
          'X-Space': ' padded',
          'Content-Length': '5',
          'Transfer-Encoding': 'chunked',
          Host: 'evil.example',
          Connection: 'close',
          TE: 'trailers',
          Upgrade: 'h2c',
          'Keep-Alive': '1',
          Expect: '100-continue',
        },
      }),
    });
    expect(res.status).toBe(422);
    const fields = ((res.body as Json).errors as Json[]).map((e) => e.field).sort();
    expect(fields).toEqual(
      [
        'headers.Connection',
        'headers.Content-Length',
        'headers.Expect',
        'headers.Host',
        'headers.Keep-Alive',
        'headers.TE',
        'headers.Transfer-Encoding',
        'headers.Upgrade',
        'headers.X-Crlf',
        'headers.X-Space',
        'headers.X-Text',
      ].sort(),
    );
    const auth = await call(app, 'POST', '/v1/hooks', {
      token,
      body: hookBody({ auth: { type: 'headers', headers: { 'X-Api-Key': 'k\n1' } } }),
    });
    expect(auth.status).toBe(422);
    expect((auth.body as Json).errors[0].field).toBe('auth.headers.X-Api-Key');
    // The Ovation routes write the same hooks, through the same checks.
    const ovation = await call(app, 'POST', '/api/v3/project_templates/789/webhook_endpoints', {
      token,
      body: {
        webhookEndpoint: {
          target_url: `${receiver.url}/ovation`,
          event: 'report_signed',
          username: 'u',
          password: 'p',
          requestHeaders: { Host: 'x' },
        },
      },
    });
    expect(ovation.status).toBe(422);
    expect((ovation.body as Json).errors[0]).toMatch(/requestHeaders.*host is set by the HTTP transport/);
  });

  it('refuses credentials in the URL (use auth) and literal addresses the deployment refuses', async () => {
    const token = await admin(newTenant());
    const creds = await call(app, 'POST', '/v1/hooks', {
      token,
      body: hookBody({ url: 'http://user:pass@127.0.0.1:9/' }),
    });
    expect(creds.status).toBe(422);
    expect(creds.text).not.toContain('pass@');
    expect((creds.body as Json).errors).toEqual([
      { field: 'url', message: expect.stringMatching(/must not contain credentials.*auth.*basic/) },
    ]);
    for (const url of [
      'http://10.0.0.1/',
      'http://[64:ff9b::a00:1]/',
      'http://169.254.169.254/latest',
      'http://0x0a000001/',
    ]) {
      const res = await call(app, 'POST', '/v1/hooks', { token, body: hookBody({ url }) });
      expect(res.status, url).toBe(422);
      expect((res.body as Json).errors[0].message, url).toMatch(/ALLOW_PRIVATE_TARGETS=(private|link-local)/);
    }
  });

  describe('a receiver that echoes what it was sent', () => {
    let echo: Server;
    let echoUrl: string;
    beforeAll(async () => {
      echo = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ headers: req.headers, body }));
        });
      });
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/echo`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    });

    it('never puts the hook’s credentials into the attempt log or an API answer', async () => {
      const tenant = newTenant();
      const token = await admin(tenant);
      const password = 'pw-ECHO-3f9a';
      const apiKey = 'key-ECHO-77c1';
      const secret = 'whsec_RUNITy1zaWduaW5nLXNlY3JldC0xMjM0NTY=';
      const basic = await call(app, 'POST', '/v1/hooks', {
        token,
        body: hookBody({
          url: echoUrl,
          auth: { type: 'basic', username: 'lims', password },
          signing: { profile: 'coreone', secret },
        }),
      });
      const headers = await call(app, 'POST', '/v1/hooks', {
        token,
        body: hookBody({ url: echoUrl, auth: { type: 'headers', headers: { XApiKey: apiKey } } }),
      });
      const seen: string[] = [];
      for (const hook of [basic.body as Json, headers.body as Json]) {
        const test = await call(app, 'POST', `/v1/hooks/${hook.id}/test`, { token });
        expect(test.status).toBe(200);
        expect((test.body as Json).response).toContain('[redacted]');
        seen.push(test.text, (await call(app, 'GET', `/v1/hooks/${hook.id}/deliveries`, { token })).text);
      }
      const event = await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'order.created', data: { order_id: 'o-9' } },
      });
      const eventId = (event.body as Json).event_id as string;
      const answered = await eventually(async () => {
        const res = await call(app, 'GET', `/v1/events/${eventId}`, { token });
        return (res.body as Json).deliveries.every((d: Json) => d.attempts.length > 0) ? res : undefined;
      });
      seen.push(answered.text, JSON.stringify(await tableItems(app)));
      const text = seen.join('\n');
      for (const credential of [
        password,
        Buffer.from(`lims:${password}`).toString('base64'),
        apiKey,
        secret,
        secret.slice(6),
      ]) {
        expect(text).not.toContain(credential);
      }
    });
  });

  it('keeps an interlock target that echoes its credentials in its reason phrase out of the answer and the audit', async () => {
    const tenant = newTenant();
    const token = await admin(tenant);
    const password = 'pw-RELAY-5d2e';
    const relay = createServer((req, res) => {
      res.writeHead(500, `Refused ${req.headers.authorization ?? ''}`);
      res.end();
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/lock`;
      expect(
        (
          await call(app, 'PUT', '/v1/services/svc-r', {
            token,
            body: { name: 'Relay', tags: ['has_interlock'] },
          })
        ).status,
      ).toBe(200);
      const hook = await call(app, 'POST', '/v1/hooks', {
        token,
        body: {
          name: 'lock',
          events: ['interlock.lock'],
          scope: 'svc-r',
          url,
          auth: { type: 'basic', username: 'lab', password },
        },
      });
      expect(hook.status, hook.text).toBe(201);
      const lock = await call(app, 'POST', '/v1/interlocks/svc-r/lock', { token });
      expect(lock.status).toBe(502);
      expect(lock.text).toContain('Refused Basic [redacted]');
      const audit = await call(app, 'GET', '/v1/interlocks/svc-r/audit', { token });
      for (const text of [lock.text, audit.text]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(Buffer.from(`lab:${password}`).toString('base64'));
      }
    } finally {
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });

  it('shows a delivery dead-lettered because its hook was deleted, with the reason', async () => {
    const token = await admin(newTenant());
    receiver.reply({ status: 503 });
    const hook = (
      await call(app, 'POST', '/v1/hooks', { token, body: hookBody({ events: ['order.updated'] }) })
    ).body as Json;
    const event = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.updated', data: { order_id: 'o-7' } },
    });
    const eventId = (event.body as Json).event_id as string;
    await eventually(async () => {
      const res = await call(app, 'GET', `/v1/events/${eventId}`, { token });
      return (res.body as Json).deliveries[0]?.state === 'retrying' ? true : undefined;
    });
    expect((await call(app, 'DELETE', `/v1/hooks/${hook.id}`, { token })).status).toBe(204);
    const delivery = await eventually(async () => {
      const res = await call(app, 'GET', `/v1/events/${eventId}`, { token });
      const d = (res.body as Json).deliveries[0] as Json;
      return d.state === 'dead-lettered' ? d : undefined;
    });
    const last = delivery.attempts.at(-1) as Json;
    expect(last).toMatchObject({ result: 'dead-lettered', next_attempt_at: null });
    expect(last.error).toBe(`dead-lettered: hook ${hook.id} no longer exists`);
  });
});
