import { createHmac } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type DeviceServer, startPlainInterlock } from '../../scripts/local/deviceServers.ts';
import { deliveryIdFor } from '../../shared/domain/delivery.ts';
import { type DeliveryHarness, startDeliveryHarness } from '../support/deliveryHarness.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, tokenFor } from '../support/testApp.ts';

/**
 * Issue 10: the seeds' wire contracts replayed through the HTTP API with real receivers and
 * devices — the interlock routes as the only way to an interlock target, the system keys,
 * the payload on every verb, the event type on every delivery.
 */
describe('seed fidelity and the delivery contract', () => {
  let h: DeliveryHarness;
  let app: LocalApp;
  let receiver: Receiver;
  let sqs: SQSClient;
  beforeAll(async () => {
    h = await startDeliveryHarness({ DELIVERY_RETRY_SCHEDULE_SECONDS: '1' });
    ({ app, receiver, sqs } = h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const devices: DeviceServer[] = [];
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });

  async function created(token: string, body: Json): Promise<Json> {
    const res = await call(app, 'POST', '/v1/hooks', { token, body });
    expect(res.status, res.text).toBe(201);
    return res.body as Json;
  }

  const at = (path: string) => h.at(path);
  const arrived = (path: string, n = 1) => h.arrived(path, n);

  describe('the interlock routes are the only way to an interlock target', () => {
    it('refuses interlock.* events (422 naming the type and the route), test deliveries to targets, and audits each refusal', async () => {
      const tenant = newTenant();
      const staff = await tokenFor(tenant, ['staff'], 'sam');
      const admin = await tokenFor(tenant, ['admin'], 'ada');
      const webhookAdmin = await tokenFor(tenant, ['webhook_admin'], 'wanda');
      const serviceId = 'nmr-600';
      await call(app, 'PUT', `/v1/services/${serviceId}`, {
        token: staff,
        body: { name: 'NMR', tags: ['has_interlock'] },
      });
      const door = await startPlainInterlock();
      devices.push(door);
      const target = await created(staff, {
        name: 'NMR unlock',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${door.url}/unlock`,
      });
      // A tenant-wide firehose must not be a way in either.
      await created(staff, { name: 'firehose', events: ['*'], url: `${receiver.url}/firehose-${tenant}` });

      const direct = await call(app, 'POST', `/v1/interlocks/${serviceId}/unlock`, { token: webhookAdmin });
      expect(direct.status).toBe(403);

      const bypass = await call(app, 'POST', '/v1/events', {
        token: webhookAdmin,
        body: { type: 'interlock.unlock', scope: serviceId, data: {} },
      });
      expect(bypass.status).toBe(422);
      const route = `POST /v1/interlocks/${serviceId}/unlock`;
      expect(bypass.body).toMatchObject({
        errors: [{ field: 'type', message: expect.stringContaining('interlock.unlock cannot be published') }],
      });
      expect((bypass.body as Json).message).toContain(route);

      for (const type of ['interlock.lock', 'interlock.status']) {
        const res = await call(app, 'POST', '/v1/events', { token: admin, body: { type, scope: serviceId } });
        expect(res.status).toBe(422);
        expect((res.body as Json).message).toContain(`/v1/interlocks/${serviceId}/${type.slice(10)}`);
      }
      const unscoped = await call(app, 'POST', '/v1/events', {
        token: admin,
        body: { type: 'interlock.unlock' },
      });
      expect(unscoped.status).toBe(422);
      expect((unscoped.body as Json).message).toContain('POST /v1/interlocks/{serviceId}/unlock');

      const test = await call(app, 'POST', `/v1/hooks/${target.id}/test`, { token: webhookAdmin });
      expect(test.status).toBe(422);
      expect((test.body as Json).message).toContain(route);

      // A target listens to interlock events only, and the catalog keeps interlock.* for them.
      const mixed = await call(app, 'POST', '/v1/hooks', {
        token: staff,
        body: {
          name: 'mixed',
          events: ['interlock.unlock', 'order.created'],
          scope: serviceId,
          url: `${door.url}/unlock`,
        },
      });
      expect(mixed.status).toBe(422);
      expect((mixed.body as Json).errors).toEqual([
        { field: 'events.1', message: expect.stringContaining('cannot be combined with interlock.* events') },
      ]);
      const patched = await call(app, 'PATCH', `/v1/hooks/${target.id}`, {
        token: staff,
        body: { events: ['interlock.unlock', '*'] },
      });
      expect(patched.status).toBe(422);
      const reserved = await call(app, 'POST', '/v1/event-types', {
        token: admin,
        body: { name: 'interlock.open' },
      });
      expect(reserved.status).toBe(422);

      // An order event still reaches the firehose (and only it): delivery works, the door stays shut.
      const order = await call(app, 'POST', '/v1/events', {
        token: webhookAdmin,
        body: { type: 'order.created', scope: serviceId, data: { order_id: 'o-1' } },
      });
      expect(order.body).toMatchObject({ deliveries: 1 });
      await arrived(`/firehose-${tenant}`);
      expect(door.requests).toEqual([]);
      expect(door.state.locked).toBe(true);

      const trail = await call(app, 'GET', `/v1/interlocks/${serviceId}/audit`, { token: admin });
      const entries = (trail.body as Json).entries as Json[];
      expect(entries.map((e) => [e.who, e.action, e.result, e.http_status, e.refused?.route])).toEqual([
        ['wanda', 'unlock', 'denied', 422, 'POST /v1/hooks/{hookId}/test'],
        ['ada', 'status', 'denied', 422, 'POST /v1/events'],
        ['ada', 'lock', 'denied', 422, 'POST /v1/events'],
        ['wanda', 'unlock', 'denied', 422, 'POST /v1/events'],
        ['wanda', 'unlock', 'denied', 403, undefined],
      ]);
      expect(entries[0]!.refused).toEqual({ route: 'POST /v1/hooks/{hookId}/test', hook_id: target.id });
      expect(entries[3]).toMatchObject({
        roles: ['webhook_admin'],
        refused: { route: 'POST /v1/events', event_type: 'interlock.unlock' },
        message: expect.stringContaining(route),
        targets: [],
      });
    });

    it('a queued delivery to an interlock target is dead-lettered, never sent', async () => {
      const tenant = newTenant();
      const staff = await tokenFor(tenant, ['staff'], 'sam');
      const door = await startPlainInterlock();
      devices.push(door);
      const target = await created(staff, {
        name: 'unlock',
        events: ['interlock.unlock'],
        scope: 'svc-q',
        url: `${door.url}/unlock`,
      });
      // A message as the fan-out would have written it before the rule existed (or forged on the queue).
      const eventId = `evt_${tenant.replace(/[^a-z0-9]/g, '')}`;
      const deliveryId = deliveryIdFor(eventId, target.id);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: app.resources.deliveryQueueUrl,
          MessageBody: JSON.stringify({
            v: 1,
            deliveryId,
            tenant,
            eventId,
            hookId: target.id,
            type: 'interlock.unlock',
            scope: 'svc-q',
            data: {},
            occurredAt: new Date().toISOString(),
            priorAttempts: 0,
          }),
        }),
      );
      // The tenant's dead letters (the table), not the shared safety-net queue.
      const letter = await eventually(async () => (await h.deadLetters(staff, target.id))[0]);
      expect(letter.delivery_id).toBe(deliveryId);
      expect(letter.reason).toBe(
        `interlock.unlock to hook ${target.id} refused: interlock targets are called only by the interlock routes`,
      );
      expect(door.requests).toEqual([]);
    });
  });
  describe('system keys (resource-system seed)', () => {
    it('order.* events need data.order_id and event.* events data.event_id (422 naming the field)', async () => {
      const tenant = newTenant();
      const token = await tokenFor(tenant, ['admin']);
      const noOrder = await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'order.created', data: { line_id: 'l-1' } },
      });
      expect(noOrder.status).toBe(422);
      expect((noOrder.body as Json).errors).toEqual([
        { field: 'data.order_id', message: 'is required for order.* events' },
      ]);
      const badBooking = await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'event.deleted', data: { event_id: '' } },
      });
      expect((badBooking.body as Json).errors).toEqual([
        { field: 'data.event_id', message: 'must be a non-empty string or a number' },
      ]);
      const noData = await call(app, 'POST', '/v1/events', { token, body: { type: 'event.updated' } });
      expect((noData.body as Json).errors).toEqual([
        { field: 'data.event_id', message: 'is required for event.* events' },
      ]);
      // Other families carry no system key; a door event is still accepted as before.
      const door = await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'door.granted', scope: 'door-1', data: { door_id: 'door-1' } },
      });
      expect(door.status).toBe(202);
    });

    it('a hook’s data never supplies or forges order_id, line_id or event_id; the 201 says so', async () => {
      const tenant = newTenant();
      const token = await tokenFor(tenant, ['admin']);
      const path = `/forge-${tenant}`;
      const hook = await created(token, {
        name: 'forger',
        events: ['order.*'],
        url: `${receiver.url}${path}`,
        data: { order_id: 'forged', line_id: 'forged', event_id: 'forged', site: 'north' },
      });
      expect(hook.warnings).toContainEqual(
        expect.stringMatching(/^data\.order_id, data\.line_id, data\.event_id: are system keys/),
      );
      expect(hook.data).toEqual({ order_id: 'forged', line_id: 'forged', event_id: 'forged', site: 'north' });
      const clean = await call(app, 'PATCH', `/v1/hooks/${hook.id}`, {
        token,
        body: { data: { site: 'x' } },
      });
      expect((clean.body as Json).warnings ?? []).not.toContainEqual(expect.stringMatching(/system key/));
      await call(app, 'PATCH', `/v1/hooks/${hook.id}`, { token, body: { data: hook.data } });

      await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'order.created', data: { order_id: 'o-1' } },
      });
      await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'order.updated', data: { order_id: 'o-2', line_id: 'l-2', site: 'south' } },
      });
      const [first, second] = await arrived(path, 2);
      const bodies = [first!.json, second!.json].sort((a, b) =>
        String(a?.order_id).localeCompare(String(b?.order_id)),
      );
      expect(bodies).toEqual([
        { order_id: 'o-1', site: 'north' },
        { order_id: 'o-2', line_id: 'l-2', site: 'south' },
      ]);
      expect(receiver.received.map((r) => r.body).join('\n')).not.toContain('forged');
    });
  });

  describe('every delivery carries the JSON payload and names its event type', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

    it('GET and DELETE hooks get the JSON body, and the signature verifies with the standardwebhooks library', async () => {
      const tenant = newTenant();
      const token = await tokenFor(tenant, ['admin']);
      for (const method of ['GET', 'DELETE']) {
        await created(token, {
          name: method,
          events: ['order.created'],
          method,
          url: `${receiver.url}/${method}-${tenant}?keep=1`,
          signing: { secret },
        });
      }
      await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'order.created', data: { order_id: 'o-7', line_id: 'l-1' } },
      });
      for (const method of ['GET', 'DELETE']) {
        const [req] = await arrived(`/${method}-${tenant}?keep=1`);
        expect(req!.method).toBe(method);
        expect(req!.headers['content-type']).toBe('application/json');
        expect(req!.headers['content-length']).toBe(String(Buffer.byteLength(req!.body)));
        expect(new Webhook(secret).verify(req!.body, req!.headers)).toEqual({
          order_id: 'o-7',
          line_id: 'l-1',
        });
        expect(req!.headers['latchkey-event-type']).toBe('order.created');
      }
    });

    it('Latchkey-Event-Type under every profile; the envelope format wraps the payload as Standard Webhooks does', async () => {
      const tenant = newTenant();
      const token = await tokenFor(tenant, ['admin']);
      const p = `/types-${tenant}`;
      const envelope = await created(token, {
        name: 'envelope',
        events: ['order.*'],
        url: `${receiver.url}${p}/envelope`,
        payload_format: 'envelope',
        signing: { secret },
      });
      expect(envelope.payload_format).toBe('envelope');
      await created(token, {
        name: 'std',
        events: ['order.*'],
        url: `${receiver.url}${p}/standard`,
        signing: { secret },
      });
      await created(token, {
        name: 'core',
        events: ['order.*'],
        url: `${receiver.url}${p}/coreone`,
        signing: { profile: 'coreone', secret: 'core-secret' },
      });
      await created(token, {
        name: 'place',
        events: ['order.*'],
        url: `${receiver.url}${p}/placeos`,
        signing: { profile: 'placeos', secret: 'place-secret' },
      });
      const flat = await created(token, {
        name: 'none',
        events: ['order.*'],
        url: `${receiver.url}${p}/none`,
      });
      expect(flat.payload_format).toBe('flat');
      const refused = await call(app, 'POST', '/v1/hooks', {
        token,
        body: {
          name: 'x',
          events: ['order.*'],
          url: `${receiver.url}/x`,
          payload_format: 'envelope',
          signing: { profile: 'placeos', secret: 'place-secret' },
        },
      });
      expect(refused.status).toBe(422);
      expect((refused.body as Json).errors).toEqual([
        { field: 'payload_format', message: expect.any(String) },
      ]);
      const unknown = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { name: 'x', events: ['order.*'], url: `${receiver.url}/x`, payload_format: 'xml' },
      });
      expect((unknown.body as Json).errors).toEqual([
        { field: 'payload_format', message: expect.any(String) },
      ]);

      await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'order.updated', data: { order_id: 'o-3' } },
      });
      for (const profile of ['envelope', 'standard', 'coreone', 'placeos', 'none']) {
        const [req] = await arrived(`${p}/${profile}`);
        expect(req!.headers['latchkey-event-type'], profile).toBe('order.updated');
      }
      const [env] = at(`${p}/envelope`);
      const verified = new Webhook(secret).verify(env!.body, env!.headers) as Json;
      expect(verified).toEqual({
        type: 'order.updated',
        timestamp: expect.any(String),
        data: { order_id: 'o-3' },
      });
      expect(Date.parse(verified.timestamp)).not.toBeNaN();
      expect(at(`${p}/standard`)[0]!.json).toEqual({ order_id: 'o-3' });
      expect(at(`${p}/coreone`)[0]!.headers['x-coreone-webhook-type']).toBe('order.updated');
    });
  });

  describe('CoreOne', () => {
    it('a hook on accession/status_change works with no catalog setup, and “send a test” verifies', async () => {
      const tenant = newTenant();
      const token = await tokenFor(tenant, ['webhook_admin']);
      const types = await call(app, 'GET', '/v1/event-types', { token });
      const builtIn = ((types.body as Json).event_types as Json[])
        .filter((t) => t.built_in)
        .map((t) => t.name);
      const coreOne = builtIn.filter((name: string) => name.includes('/'));
      expect(coreOne).toHaveLength(33);
      expect(coreOne[0]).toBe('accession/status_change');
      expect(coreOne).toContain('instrument/request_instrument_file');
      expect(coreOne[32]).toBe('payment/create');

      const path = `/coreone-${tenant}`;
      const hook = await created(token, {
        name: 'CoreOne',
        events: ['accession/status_change'],
        url: `${receiver.url}${path}`,
        signing: { profile: 'coreone', secret: 'WebhookSecret-1' },
      });
      const hash = (body: string) => createHmac('sha256', 'WebhookSecret-1').update(body).digest('hex');
      const published = await call(app, 'POST', '/v1/events', {
        token,
        body: { type: 'accession/status_change', data: { accession: 'A-1', status: 'received' } },
      });
      expect(published.body).toMatchObject({ deliveries: 1 });
      const [req] = await arrived(path);
      expect(req!.headers['x-coreone-webhook-type']).toBe('accession/status_change');
      expect(req!.headers['x-coreone-webhook-hash']).toBe(hash(req!.body));
      expect(req!.json).toEqual({ accession: 'A-1', status: 'received' });

      const test = await call(app, 'POST', `/v1/hooks/${hook.id}/test`, { token });
      expect(test.status).toBe(200);
      expect(test.body).toMatchObject({ result: 'succeeded', status: 200, test: true });
      const [, ping] = await arrived(path, 2);
      expect(ping!.headers['x-coreone-webhook-type']).toBe('test.ping');
      expect(ping!.headers['x-coreone-webhook-hash']).toBe(hash(ping!.body));
    });
  });

  describe('interlock calls', () => {
    it('errors show the target’s own reason phrase ("HTTP 418 Custom Reason"), for interlocks and deliveries', async () => {
      const tenant = newTenant();
      const staff = await tokenFor(tenant, ['staff'], 'sam');
      await call(app, 'PUT', '/v1/services/teapot', {
        token: staff,
        body: { name: 'Teapot', tags: ['has_interlock'] },
      });
      const teapot = await startReceiver();
      try {
        teapot.fallback = { status: 418, reason: 'Custom Reason', body: '{"error":"short and stout"}' };
        const t = await created(staff, {
          name: 'Teapot lock',
          events: ['interlock.lock'],
          scope: 'teapot',
          url: `${teapot.url}/lock`,
        });
        const res = await call(app, 'POST', '/v1/interlocks/teapot/lock', { token: staff });
        expect(res.status).toBe(502);
        expect((res.body as Json).message).toBe(
          `lock of service teapot failed at 1 of 1 target: "Teapot lock" (${t.id}): HTTP 418 Custom Reason`,
        );

        const h = await created(staff, {
          name: 'orders',
          events: ['order.created'],
          url: `${teapot.url}/orders`,
        });
        await call(app, 'POST', '/v1/events', {
          token: staff,
          body: { type: 'order.created', data: { order_id: 'o' } },
        });
        const attempt = await eventually(async () => {
          const log = await call(app, 'GET', `/v1/hooks/${h.id}/deliveries`, { token: staff });
          return ((log.body as Json).attempts as Json[])[0];
        });
        expect(attempt.error).toBe('HTTP 418 Custom Reason: not retried');
      } finally {
        await teapot.close();
      }
    });

    it('a call authorised by a booking carries its event_id and order_id; hook data cannot forge them', async () => {
      const tenant = newTenant();
      const staff = await tokenFor(tenant, ['staff'], 'sam');
      const alice = await tokenFor(tenant, ['user'], 'alice');
      await call(app, 'PUT', '/v1/services/nmr', {
        token: staff,
        body: { name: 'NMR', tags: ['has_interlock'] },
      });
      const door = await startPlainInterlock();
      devices.push(door);
      const t = await created(staff, {
        name: 'NMR unlock',
        events: ['interlock.unlock'],
        scope: 'nmr',
        url: `${door.url}/unlock`,
        data: { room: 'B12', event_id: 'forged', order_id: 'forged' },
      });
      expect(t.warnings).toContainEqual(
        expect.stringMatching(/^data\.order_id, data\.event_id: are system keys/),
      );
      const now = Date.now();
      const booked = await call(app, 'POST', '/v1/events', {
        token: staff,
        body: {
          type: 'event.created',
          scope: 'nmr',
          data: {
            event_id: 'bk-1',
            order_id: 'o-77',
            user_id: 'alice',
            start: new Date(now - 60_000).toISOString(),
            end: new Date(now + 3600_000).toISOString(),
          },
        },
      });
      expect(booked.body).toMatchObject({ booking: 'stored' });

      expect((await call(app, 'POST', '/v1/interlocks/nmr/unlock', { token: alice })).status).toBe(200);
      expect((await call(app, 'POST', '/v1/interlocks/nmr/unlock', { token: staff })).status).toBe(200);
      const [byAlice, byStaff] = door.requests.map((r) => JSON.parse(r.body) as Json);
      expect(byAlice).toEqual({
        room: 'B12',
        service_id: 'nmr',
        action: 'unlock',
        user_id: 'alice',
        requested_at: expect.any(String),
        event_id: 'bk-1',
        order_id: 'o-77',
      });
      // Staff act without a booking: no event, and the hook's forged one is not sent either.
      expect(byStaff).toEqual({
        room: 'B12',
        service_id: 'nmr',
        action: 'unlock',
        user_id: 'sam',
        requested_at: expect.any(String),
      });
    });
  });
});
