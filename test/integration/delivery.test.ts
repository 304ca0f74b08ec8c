import { createHmac } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type DeliveryHarness, startDeliveryHarness } from '../support/deliveryHarness.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import {
  adminOfNewTenant,
  call,
  eventually,
  type Json,
  newTenant,
  receiverHook,
  tokenFor,
} from '../support/testApp.ts';

/**
 * Events in, deliveries out: the real handlers, the emulator's queues and table, and real HTTP
 * receivers. Retries are shortened (1 s, 1 s: three attempts) through DELIVERY_RETRY_SCHEDULE_SECONDS.
 */
describe('event ingest and delivery', () => {
  let h: DeliveryHarness;
  let app: LocalApp;
  let receiver: Receiver;
  let sqs: SQSClient;
  beforeAll(async () => {
    h = await startDeliveryHarness({ DELIVERY_RETRY_SCHEDULE_SECONDS: '1,1' });
    ({ app, receiver, sqs } = h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const setup = adminOfNewTenant;

  const hook = (token: string, path: string, body: Json = {}) =>
    receiverHook(app, token, receiver.url, path, body);

  async function publish(token: string, body: Json, headers: Record<string, string> = {}) {
    return call(app, 'POST', '/v1/events', { token, body, headers });
  }

  const at = (path: string) => h.at(path);
  const arrived = (path: string, n = 1) => h.arrived(path, n);
  const hookDeadLetters = (token: string, hookId: string) => h.deadLetters(token, hookId);
  const safetyNetLetters = (match: (letter: Json) => boolean) => h.safetyNet(match);

  it('fans an event out to every enabled hook that matches its type and scope, and no other', async () => {
    const { token } = await setup();
    const p = `/fan-${Date.now()}`;
    await hook(token, `${p}/exact`);
    await hook(token, `${p}/wildcard`, { events: ['order.*'] });
    await hook(token, `${p}/all`, { events: ['*'] });
    await hook(token, `${p}/scoped`, { scope: 'svc-1' });
    await hook(token, `${p}/other-scope`, { scope: 'svc-2' });
    await hook(token, `${p}/other-type`, { events: ['order.deleted'] });
    await hook(token, `${p}/disabled`, { enabled: false });

    const res = await publish(token, { type: 'order.created', scope: 'svc-1', data: { order_id: 'o-1' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ event_id: expect.stringMatching(/^evt_/), deliveries: 4 });
    await eventually(() =>
      receiver.received.filter((r) => r.path.startsWith(p)).length >= 4 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    const paths = receiver.received.filter((r) => r.path.startsWith(p)).map((r) => r.path.slice(p.length));
    expect(paths.sort()).toEqual(['/all', '/exact', '/scoped', '/wildcard']);
  });

  it('accepts and records an event no hook listens to', async () => {
    const { token } = await setup();
    const res = await publish(token, { type: 'order.updated', data: { order_id: 'o-9' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ deliveries: 0, hook_ids: [] });
    const event = await call(app, 'GET', `/v1/events/${(res.body as Json).event_id}`, { token });
    expect(event.status).toBe(200);
    expect(event.body).toMatchObject({ type: 'order.updated', deliveries: [] });
  });

  it('builds the payload by the resource-system rules, with the hook’s method, headers and a Latchkey User-Agent', async () => {
    const { token } = await setup();
    const path = `/payload-${Date.now()}`;
    await hook(token, path, {
      method: 'PUT',
      headers: { XFacility: 'north', request_source: 'lims' },
      data: { order_id: 'forged', facility: 'north', note: 'from hook' },
    });
    await publish(token, { type: 'order.created', data: { order_id: 'o-42', line_id: 'l-7', total: 12.5 } });
    const [req] = await arrived(path);
    expect(req!.method).toBe('PUT');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-facility']).toBe('north');
    expect(req!.headers['request-source']).toBe('lims');
    expect(req!.headers['user-agent']).toMatch(/^Latchkey/);
    expect(req!.json).toEqual({
      order_id: 'o-42',
      line_id: 'l-7',
      total: 12.5,
      facility: 'north',
      note: 'from hook',
    });
  });

  it('sends basic auth, or authentication headers instead of it', async () => {
    const { token } = await setup();
    const basic = `/basic-${Date.now()}`;
    const headers = `/headers-${Date.now()}`;
    await hook(token, basic, { auth: { type: 'basic', username: 'lims', password: 's3cret' } });
    await hook(token, headers, {
      auth: { type: 'headers', headers: { ApiKey: 'k-1234' }, username: 'lims', password: 'unused' },
    });
    await publish(token, { type: 'order.created', data: { order_id: 'o-1' } });
    const [b] = await arrived(basic);
    expect(b!.headers.authorization).toBe(`Basic ${Buffer.from('lims:s3cret').toString('base64')}`);
    const [h] = await arrived(headers);
    expect(h!.headers['api-key']).toBe('k-1234');
    expect(h!.headers.authorization).toBeUndefined();
  });

  it('signs per profile: standard (verified by the standardwebhooks library), coreone, placeos, none', async () => {
    // accession/status_change is one of CoreOne's built-in types: no catalog setup.
    const { token } = await setup();
    const s = Date.now();
    const std = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const stdHook = await hook(token, `/std-${s}`, { events: ['*'], signing: { secret: std } });
    await hook(token, `/coreone-${s}`, {
      events: ['*'],
      signing: { profile: 'coreone', secret: 'coreone-secret' },
    });
    await hook(token, `/placeos-${s}`, {
      events: ['*'],
      signing: { profile: 'placeos', secret: 'placeos-secret' },
    });
    await hook(token, `/none-${s}`, { events: ['*'] });
    // A test delivery (the Events function, not the dispatcher) is signed the same way.
    const tested = await call(app, 'POST', `/v1/hooks/${stdHook.id}/test`, { token });
    expect(tested.body).toMatchObject({ result: 'succeeded', status: 200, test: true });
    const [stdTest] = await arrived(`/std-${s}`);
    expect(new Webhook(std).verify(stdTest!.body, stdTest!.headers)).toMatchObject({ test: true });
    await publish(token, { type: 'accession/status_change', data: { accession: 'A-1', status: 'received' } });

    const [, stdReq] = await arrived(`/std-${s}`, 2);
    const verified = new Webhook(std).verify(stdReq!.body, stdReq!.headers);
    expect(verified).toEqual({ accession: 'A-1', status: 'received' });
    expect(() => new Webhook(std).verify(stdReq!.body.replace('A-1', 'A-2'), stdReq!.headers)).toThrow();

    const [core] = await arrived(`/coreone-${s}`);
    expect(core!.headers['x-coreone-webhook-type']).toBe('accession/status_change');
    expect(core!.headers['x-coreone-webhook-hash']).toBe(
      createHmac('sha256', 'coreone-secret').update(core!.body).digest('hex'),
    );

    const [place] = await arrived(`/placeos-${s}`);
    const body = place!.json!;
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.signature).toBe(
      createHmac('sha256', 'placeos-secret').update(String(body.timestamp)).digest('hex'),
    );

    const [none] = await arrived(`/none-${s}`);
    expect(none!.headers['webhook-signature']).toBeUndefined();
    expect(none!.headers['x-coreone-webhook-hash']).toBeUndefined();
    expect(none!.headers['webhook-id']).toMatch(/^msg_/);
  });

  it('retries a 500 and succeeds, with the same webhook-id on every attempt', async () => {
    const { token } = await setup();
    const path = `/flaky-${Date.now()}`;
    const h = await hook(token, path);
    receiver.reply({ status: 500, body: 'boom' });
    // The reply queue is shared: this test publishes and waits alone.
    const res = await publish(token, { type: 'order.created', data: { order_id: 'o-1' } });
    const [first, second] = await arrived(path, 2);
    expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(700); // backoff, not an immediate retry
    const event = await eventually(async () => {
      const e = await call(app, 'GET', `/v1/events/${(res.body as Json).event_id}`, { token });
      return (e.body as Json).deliveries?.[0]?.state === 'succeeded' ? (e.body as Json) : undefined;
    });
    expect(event.deliveries[0].attempts).toMatchObject([
      {
        attempt: 1,
        result: 'retrying',
        status: 500,
        response: 'boom',
        error: expect.stringContaining('HTTP 500'),
      },
      { attempt: 2, result: 'succeeded', status: 200 },
    ]);
    const log = await call(app, 'GET', `/v1/hooks/${h.id}/deliveries`, { token });
    expect((log.body as Json).attempts.map((a: Json) => a.result)).toEqual(['succeeded', 'retrying']);
  });

  it('sends a 400 straight to the DLQ with its reason, and a redrive delivers it again', async () => {
    const { token } = await setup();
    const path = `/reject-${Date.now()}`;
    const h = await hook(token, path);
    receiver.reply({ status: 400, body: '{"error":"bad order"}' });
    await publish(token, { type: 'order.created', data: { order_id: 'o-1' } });
    const [rejected] = await arrived(path);
    const letters = await eventually(async () => {
      const l = await hookDeadLetters(token, h.id);
      return l.length > 0 ? l : undefined;
    });
    expect(letters[0]).toMatchObject({ reason: 'HTTP 400 Bad Request: not retried', attempts: 1 });
    await new Promise((r) => setTimeout(r, 1200));
    expect(at(path)).toHaveLength(1); // not retried

    const forbidden = await call(app, 'POST', '/v1/dead-letters/redrive', {
      token: await tokenFor(newTenant(), ['user']),
      body: {},
    });
    expect(forbidden.status).toBe(403);
    const redrive = await call(app, 'POST', '/v1/dead-letters/redrive', { token, body: { hook_id: h.id } });
    expect(redrive.status).toBe(202);
    expect(redrive.body).toEqual({ redriven: 1, not_found: [], more: false });
    const [, again] = await arrived(path, 2);
    expect(again!.headers['webhook-id']).toBe(rejected!.headers['webhook-id']);
    const log = await call(app, 'GET', `/v1/hooks/${h.id}/deliveries`, { token });
    expect((log.body as Json).attempts.map((a: Json) => [a.attempt, a.result])).toEqual([
      [2, 'succeeded'],
      [1, 'failed'],
    ]);
  });

  it('times out a slow receiver, retries, and dead-letters after the last attempt', async () => {
    const { token } = await setup();
    const path = `/slow-${Date.now()}`;
    const h = await hook(token, path, { timeout_ms: 300 });
    receiver.reply({ delayMs: 2000 }, { delayMs: 2000 }, { delayMs: 2000 });
    await publish(token, { type: 'order.created', data: { order_id: 'o-1' } });
    const letters = await eventually(async () => {
      const l = await hookDeadLetters(token, h.id);
      return l.length > 0 ? l : undefined;
    }, 20_000);
    expect(letters[0]!.reason).toMatch(/^gave up after 3 attempts: .*300 ms/);
    expect(at(path)).toHaveLength(3);
  });

  it('refuses a self-signed certificate unless the hook sets insecure_tls', async () => {
    const { token } = await setup();
    const tlsReceiver = await startReceiver({ https: true });
    try {
      const strict = await hook(token, '/tls', { url: `${tlsReceiver.url}/tls` });
      const failed = await call(app, 'POST', `/v1/hooks/${strict.id}/test`, { token });
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ result: 'failed', status: null, test: true });
      expect((failed.body as Json).error).toMatch(/certificate/i);
      expect(tlsReceiver.received).toHaveLength(0);

      const lenient = await hook(token, '/tls', { url: `${tlsReceiver.url}/tls`, insecure_tls: true });
      const ok = await call(app, 'POST', `/v1/hooks/${lenient.id}/test`, { token });
      expect(ok.body).toMatchObject({ result: 'succeeded', status: 200, type: 'test.ping' });
      expect(tlsReceiver.received).toHaveLength(1);
      expect(tlsReceiver.received[0]!.json).toMatchObject({ test: true, hook_id: lenient.id });
      // insecure_tls is that hook's alone: the strict one still fails.
      const still = await call(app, 'POST', `/v1/hooks/${strict.id}/test`, { token });
      expect(still.body).toMatchObject({ result: 'failed' });
    } finally {
      await tlsReceiver.close();
    }
  });

  it('answers a repeated Idempotency-Key with the first answer and enqueues nothing new', async () => {
    const { token } = await setup();
    const path = `/idem-${Date.now()}`;
    await hook(token, path);
    const body = { type: 'order.created', data: { order_id: 'o-1' } };
    const first = await publish(token, body, { 'idempotency-key': `k-${path}` });
    const second = await publish(token, body, { 'idempotency-key': `k-${path}` });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const different = await publish(
      token,
      { ...body, data: { order_id: 'o-2' } },
      { 'idempotency-key': `k-${path}` },
    );
    expect(different.status).toBe(422);
    await arrived(path);
    await new Promise((r) => setTimeout(r, 1000));
    expect(at(path)).toHaveLength(1);
  });

  it('dead-letters a message the dispatcher cannot read, with the reason', async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: app.resources.deliveryQueueUrl, MessageBody: 'not json at all' }),
    );
    const letter = await eventually(
      async () => (await safetyNetLetters((l) => l.original === 'not json at all'))[0],
    );
    expect(letter.reason).toMatch(/^unreadable delivery message/);
  });

  it('reuses connections to a receiver across deliveries (keep-alive)', async () => {
    const { token } = await setup();
    const keepAlive = await startReceiver();
    try {
      await hook(token, '/ka', { url: `${keepAlive.url}/ka` });
      for (let i = 0; i < 5; i++)
        await publish(token, { type: 'order.created', data: { order_id: `o-${i}` } });
      await eventually(() => (keepAlive.received.length >= 5 ? true : undefined));
      expect(keepAlive.connections()).toBeLessThan(5);
    } finally {
      await keepAlive.close();
    }
  });

  describe('errors', () => {
    it('answers 422 for an event type outside the catalog and for a bad body', async () => {
      const { token } = await setup();
      const unknown = await publish(token, { type: 'order.shipped', data: { order_id: 'o-1' } });
      expect(unknown.status).toBe(422);
      expect((unknown.body as Json).errors).toEqual([{ field: 'type', message: 'Event not found' }]);
      const bad = await publish(token, { type: 'Order Created', data: 'x', extra: 1 });
      expect(bad.status).toBe(422);
      expect((bad.body as Json).errors.map((e: Json) => e.field).sort()).toEqual(['(body)', 'data', 'type']);
    });

    it('answers 401, 403 and 404 where it should', async () => {
      expect((await call(app, 'POST', '/v1/events', { body: { type: 'order.created' } })).status).toBe(401);
      const user = await tokenFor(newTenant(), ['user']);
      expect((await publish(user, { type: 'order.created' })).status).toBe(403);
      const { token } = await setup();
      expect((await call(app, 'GET', '/v1/events/evt_nope', { token })).status).toBe(404);
      expect((await call(app, 'GET', '/v1/hooks/hk_nope/deliveries', { token })).status).toBe(404);
      expect((await call(app, 'POST', '/v1/hooks/hk_nope/test', { token })).status).toBe(404);
    });
  });
});
