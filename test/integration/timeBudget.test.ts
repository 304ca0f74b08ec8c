import { join } from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { projectRoot } from '../../infra/app.ts';
import type { LocalApp } from '../../scripts/local/app.ts';
import { loadHandler } from '../../scripts/local/httpApi.ts';
import { type QueueConsumer, startQueueConsumer } from '../../scripts/local/queueConsumer.ts';
import { INVOCATION_MARGIN_MS, MIN_DELIVERY_MS } from '../../shared/domain/timeBudget.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * A batch never reaches the dispatcher's timeout: each delivery's timeout is capped by what the
 * invocation has left, so slow receivers are postponed while the fast ones of the same batch are
 * delivered once and deleted — not handed back with the whole batch and delivered again.
 */
describe('the dispatcher’s time budget', () => {
  let app: LocalApp;
  let fast: Receiver;
  let slow: Receiver;
  let sqs: SQSClient;
  const dispatcher = functions.find((f) => f.consumesDeliveryQueue)!;

  beforeAll(async () => {
    app = await startTestApp({}, false);
    fast = await startReceiver();
    slow = await startReceiver();
    // Slower than any function timeout used here.
    slow.fallback = { status: 200, body: '{}', delayMs: 20_000 };
    sqs = new SQSClient({ endpoint: app.emulatorEndpoint });
  });
  afterAll(async () => {
    await app.stop();
    await fast.close();
    await slow.close();
    sqs.destroy();
  });

  async function consume(timeoutMs: number): Promise<QueueConsumer> {
    return startQueueConsumer({
      sqs,
      queueUrl: app.resources.deliveryQueueUrl,
      handler: (await loadHandler(join(projectRoot), dispatcher)) as Parameters<
        typeof startQueueConsumer
      >[0]['handler'],
      functionId: dispatcher.id,
      batchSize: 10,
      timeoutMs,
      // Short polls: a long poll still open in the emulator after stop() would take the next
      // test's message.
      waitTimeSeconds: 0,
    });
  }

  async function queueCounts(): Promise<{ visible: number; inFlight: number }> {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: app.resources.deliveryQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(out.Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  it('delivers the fast receivers once and postpones the slow ones before the function times out', async () => {
    const tenant = newTenant('budget');
    const token = await tokenFor(tenant, ['webhook_admin']);
    const hook = async (url: string, extra: Json = {}) => {
      const res = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { name: url, events: ['order.created'], url, ...extra },
      });
      expect(res.status, res.text).toBe(201);
      return res.body as Json;
    };
    for (const i of [1, 2, 3]) await hook(`${fast.url}/fast-${i}`);
    // These hooks allow 30 s per request: more than the whole invocation has.
    for (const i of [1, 2]) await hook(`${slow.url}/slow-${i}`, { timeout_ms: 30_000 });
    const published = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.created', data: { order_id: 'o-budget' } },
    });
    expect(published.body).toMatchObject({ deliveries: 5 });
    const eventId = (published.body as Json).event_id as string;

    // A 6 s function: every delivery must end by 6 s less the margin.
    const consumer = await consume(6_000);
    try {
      const event = await eventually(async () => {
        const res = await call(app, 'GET', `/v1/events/${eventId}`, { token });
        const deliveries = (res.body as Json).deliveries as Json[];
        const settled = deliveries.filter((d) => d.state !== 'pending');
        return settled.length === 5 ? (res.body as Json) : undefined;
      }, 20_000);
      expect(consumer.timeouts).toBe(0);
      const text = JSON.stringify(event);
      // The slow ones timed out within the budget, not after the 30 s they asked for.
      expect(text).toMatch(/no response within \d{4} ms/);
      expect(text).not.toContain('within 30000 ms');
      expect(slow.received).toHaveLength(2);
    } finally {
      await consumer.stop();
    }
    // The fast ones are gone from the queue; only the two postponed ones remain, in flight.
    expect(await queueCounts()).toEqual({ visible: 0, inFlight: 2 });
    const paths = fast.received.map((r) => r.path).sort();
    expect(paths).toEqual(['/fast-1', '/fast-2', '/fast-3']);
  });

  it('hands a record back untouched when too little time is left to attempt it', async () => {
    const tenant = newTenant('budget');
    const token = await tokenFor(tenant, ['webhook_admin']);
    const res = await call(app, 'POST', '/v1/hooks', {
      token,
      body: { name: 'late', events: ['order.created'], url: `${fast.url}/late` },
    });
    expect(res.status).toBe(201);
    const before = fast.received.length;
    const published = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.created', data: { order_id: 'o-late' } },
    });
    const eventId = (published.body as Json).event_id as string;
    // An invocation that starts with less than margin + minimum left.
    const consumer = await consume(INVOCATION_MARGIN_MS + MIN_DELIVERY_MS - 500);
    try {
      await eventually(() => (consumer.batches > 0 && consumer.inFlight === 0 ? true : undefined));
    } finally {
      await consumer.stop();
    }
    expect(consumer.timeouts).toBe(0);
    expect(fast.received.length).toBe(before);
    const event = await call(app, 'GET', `/v1/events/${eventId}`, { token });
    expect((event.body as Json).deliveries).toEqual([
      expect.objectContaining({ state: 'pending', attempts: [] }),
    ]);
  });
});
