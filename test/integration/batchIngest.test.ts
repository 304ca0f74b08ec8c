import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { MAX_EVENTS_PER_BATCH } from '../../shared/domain/eventId.ts';
import { envNames } from '../../shared/resources.ts';
import { type DeliveryHarness, startDeliveryHarness } from '../support/deliveryHarness.ts';
import { tableItems } from '../support/inspect.ts';
import { call, eventually, type Json, newTenant, receiverHook, tokenFor } from '../support/testApp.ts';

/**
 * `POST /v1/events/batch`: many events in one request, validated one by one as `POST /v1/events`
 * validates one, recorded in one item, delivered by the real dispatcher to a real receiver.
 */
describe('batch ingest', () => {
  let h: DeliveryHarness;
  let app: LocalApp;
  beforeAll(async () => {
    h = await startDeliveryHarness({});
    app = h.app;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function setup() {
    const tenant = newTenant();
    return { tenant, token: await tokenFor(tenant, ['admin'], `op-${tenant}`) };
  }
  const batch = (token: string, events: Json[], headers: Record<string, string> = {}) =>
    call(app, 'POST', '/v1/events/batch', { token, body: { events }, headers });
  const eventItems = async (tenant: string) =>
    (await tableItems(app)).filter((i) => i.pk === `T#${tenant}` && String(i.sk).startsWith('EVENTS#'));
  const order = (n: number, type = 'order.created') => ({ type, data: { order_id: `o-${n}` } });

  it('delivers every event of a batch to every matching hook, answers them in order and records one item', async () => {
    const { tenant, token } = await setup();
    const p = `/batch-${Date.now()}`;
    const created = await receiverHook(app, token, h.receiver.url, `${p}/created`);
    const all = await receiverHook(app, token, h.receiver.url, `${p}/all`, { events: ['order.*'] });
    const events: Json[] = [order(1), order(2, 'order.updated'), order(3), { ...order(4), scope: 'svc-1' }];

    const res = await batch(token, events);
    expect(res.status, res.text).toBe(202);
    const answered = (res.body as Json).events as Json[];
    expect(answered.map((e) => [e.type, e.deliveries, e.hook_ids])).toEqual([
      ['order.created', 2, [created.id, all.id]],
      ['order.updated', 1, [all.id]],
      ['order.created', 2, [created.id, all.id]],
      ['order.created', 2, [created.id, all.id]],
    ]);
    expect(answered[3]!.scope).toBe('svc-1');
    const ids = answered.map((e) => e.event_id as string);
    expect(new Set(ids.map((id) => id.slice(0, 22))).size).toBe(1); // one request key
    await h.arrived(`${p}/created`, 3);
    await h.arrived(`${p}/all`, 4);
    const orders = (path: string) => h.at(`${p}${path}`).map((r) => (r.json as Json).order_id as string);
    expect(orders('/created').sort()).toEqual(['o-1', 'o-3', 'o-4']);
    expect(orders('/all').sort()).toEqual(['o-1', 'o-2', 'o-3', 'o-4']);
    expect(await eventItems(tenant)).toHaveLength(1);

    // Each event reads back as a single event does, its deliveries settled.
    for (const [i, id] of ids.entries()) {
      const got = await eventually(async () => {
        const r = await call(app, 'GET', `/v1/events/${id}`, { token });
        return (r.body as Json).deliveries?.every((d: Json) => d.state === 'succeeded') ? r : undefined;
      });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({
        event_id: id,
        type: events[i]!.type,
        scope: events[i]!.scope ?? null,
        hook_ids: answered[i]!.hook_ids,
      });
      expect((got.body as Json).deliveries).toHaveLength(answered[i]!.deliveries);
    }
    // An id of the same request past its last event, and a malformed one: 404 as ever.
    const past = `${ids[0]!.slice(0, 22)}ff`;
    expect((await call(app, 'GET', `/v1/events/${past}`, { token })).status).toBe(404);
    expect((await call(app, 'GET', `/v1/events/${ids[0]}x`, { token })).status).toBe(404);
  });

  it('refuses a batch with any bad event whole, naming each bad field by its index, and stores nothing', async () => {
    const { tenant, token } = await setup();
    const p = `/bad-${Date.now()}`;
    await receiverHook(app, token, h.receiver.url, p, { events: ['*'] });
    const res = await batch(token, [
      order(0),
      { type: 'order.created', data: {} },
      { type: 'interlock.lock', scope: 'svc-1', data: {} },
      order(3),
      { type: 'order.shipped', data: { order_id: 'o-4' } },
      { type: 'Bad Type', data: 'x', extra: true },
    ]);
    expect(res.status).toBe(422);
    const fields = ((res.body as Json).errors as Json[]).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'events.1.data.order_id',
        'events.2.type',
        'events.4.type',
        'events.5.type',
        'events.5.data',
        'events.5',
      ]),
    );
    expect(fields.filter((f) => /^events\.[03]\b/.test(f))).toEqual([]);
    const errors = (res.body as Json).errors as Json[];
    expect(errors.find((e) => e.field === 'events.4.type')?.message).toBe('Event not found');
    expect(errors.find((e) => e.field === 'events.2.type')?.message).toMatch(/interlock/);
    await new Promise((r) => setTimeout(r, 800));
    expect(h.at(p)).toEqual([]);
    expect(await eventItems(tenant)).toEqual([]);
  });

  it('refuses an empty batch, one over the limit and a body without a list', async () => {
    const { tenant, token } = await setup();
    const over = await batch(
      token,
      Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, (_, i) => order(i)),
    );
    expect(over.status).toBe(422);
    expect((over.body as Json).errors).toEqual([
      { field: 'events', message: `holds at most ${MAX_EVENTS_PER_BATCH} events (the limit)` },
    ]);
    const empty = await batch(token, []);
    expect(empty.status).toBe(422);
    expect((empty.body as Json).errors).toEqual([
      { field: 'events', message: 'must hold at least one event' },
    ]);
    const none = await call(app, 'POST', '/v1/events/batch', { token, body: { type: 'order.created' } });
    expect(none.status).toBe(422);
    expect(((none.body as Json).errors as Json[]).map((e) => e.field).sort()).toEqual(['(body)', 'events']);
    const scalar = await call(app, 'POST', '/v1/events/batch', { token, body: 7 as never });
    expect(scalar.status).toBe(422);
    expect(await eventItems(tenant)).toEqual([]);
  });

  it('answers a repeated Idempotency-Key with the first answer and enqueues nothing new', async () => {
    const { token } = await setup();
    const p = `/idem-batch-${Date.now()}`;
    await receiverHook(app, token, h.receiver.url, p);
    const events = [order(1), order(2)];
    const first = await batch(token, events, { 'idempotency-key': `k${p}` });
    const second = await batch(token, events, { 'idempotency-key': `k${p}` });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await batch(token, [order(1)], { 'idempotency-key': `k${p}` });
    expect(other.status).toBe(422);
    await h.arrived(p, 2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.at(p)).toHaveLength(2);
  });

  it('answers 503 when deliveries cannot be enqueued, and records only what was sent', async () => {
    const { tenant, token } = await setup();
    const p = `/broken-${Date.now()}`;
    const plain = await receiverHook(app, token, h.receiver.url, `${p}/plain`);
    const ordered = await receiverHook(app, token, h.receiver.url, `${p}/ordered`, {
      events: ['order.updated'],
      ordering: 'hook',
    });
    const saved = process.env[envNames.orderedDeliveryQueueUrl];
    const missing = `${app.emulatorEndpoint}/000000000000/no-such-queue.fifo`;
    try {
      // The FIFO queue is gone: the ordered hook's delivery fails, the plain one is sent.
      process.env[envNames.orderedDeliveryQueueUrl] = missing;
      const partial = await batch(token, [order(1), order(2, 'order.updated')]);
      expect(partial.status).toBe(503);
      expect((partial.body as Json).message).toBe(
        'Only 1 of 2 deliveries could be enqueued; send the events again',
      );
      const [sentId, failedId] = (partial.body as Json).event_ids as string[];
      await h.arrived(`${p}/plain`);
      const sent = await call(app, 'GET', `/v1/events/${sentId}`, { token });
      expect(sent.body).toMatchObject({ hook_ids: [plain.id] });
      expect((sent.body as Json).incomplete).toBeUndefined();
      const failed = await call(app, 'GET', `/v1/events/${failedId}`, { token });
      expect(failed.body).toMatchObject({
        hook_ids: [],
        deliveries: [],
        incomplete: '1 of 1 deliveries could not be enqueued; the publisher was answered 503',
      });
      expect(ordered.id).toBeTruthy();

      // Nothing could be enqueued: nothing is recorded, and the single route answers the same way.
      const before = (await eventItems(tenant)).length;
      const none = await batch(token, [order(3, 'order.updated')]);
      expect(none.status).toBe(503);
      expect((none.body as Json).event_ids).toBeUndefined();
      const single = await call(app, 'POST', '/v1/events', { token, body: order(4, 'order.updated') });
      expect(single.status).toBe(503);
      expect((single.body as Json).message).toBe(
        'Only 0 of 1 deliveries could be enqueued; send the event again',
      );
      expect(await eventItems(tenant)).toHaveLength(before);
    } finally {
      process.env[envNames.orderedDeliveryQueueUrl] = saved;
    }
    expect(h.at(`${p}/ordered`)).toEqual([]);
  });
});
