import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type DeviceServer, startPlainInterlock } from '../../scripts/local/deviceServers.ts';
import { deliveryIdFor } from '../../shared/domain/delivery.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * Issue 10: the seeds' wire contracts replayed through the HTTP API with real receivers and
 * devices — the interlock routes as the only way to an interlock target, the system keys,
 * the payload on every verb, the event type on every delivery.
 */
describe('seed fidelity and the delivery contract', () => {
  let app: LocalApp;
  let receiver: Receiver;
  let sqs: SQSClient;
  beforeAll(async () => {
    app = await startTestApp({ DELIVERY_RETRY_SCHEDULE_SECONDS: '1' });
    receiver = await startReceiver();
    sqs = new SQSClient({
      endpoint: app.emulatorEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await receiver?.close();
    await app?.stop();
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

  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  const arrived = (path: string, n = 1) => eventually(() => (at(path).length >= n ? at(path) : undefined));

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
      expect(test.status).toBe(409);
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
        ['wanda', 'unlock', 'denied', 409, 'POST /v1/hooks/{hookId}/test'],
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
      const letter = await eventually(async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: app.resources.deadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
          }),
        );
        return (out.Messages ?? [])
          .map((m) => JSON.parse(m.Body ?? '{}') as Json)
          .find((l) => l.hookId === target.id);
      });
      expect(letter.reason).toBe(
        `interlock.unlock to hook ${target.id} refused: interlock targets are called only by the interlock routes`,
      );
      expect(door.requests).toEqual([]);
    });
  });
});
