import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { awsCallScope } from '../../shared/adapters/awsCallRecorder.ts';
import { dynamoDb } from '../../shared/adapters/awsClients.ts';
import { DeadLetterStore } from '../../shared/adapters/deadLetterStore.ts';
import { DeliveryLog } from '../../shared/adapters/deliveryLog.ts';
import { DeliveryQueue } from '../../shared/adapters/deliveryQueue.ts';
import { EventStore } from '../../shared/adapters/eventStore.ts';
import { HookStore } from '../../shared/adapters/hookStore.ts';
import { createOutboundHttp } from '../../shared/adapters/outboundHttp.ts';
import { RateLimiter } from '../../shared/adapters/rateLimiter.ts';
import { SecretStore } from '../../shared/adapters/secretStore.ts';
import { type Attempt, deliveriesFor, deliveryIdFor } from '../../shared/domain/delivery.ts';
import { newEventIds } from '../../shared/domain/eventId.ts';
import { DeliveryService } from '../../shared/services/deliveryService.ts';
import { EventPublisher } from '../../shared/services/eventPublisher.ts';
import { type DeliveryHarness, startDeliveryHarness } from '../support/deliveryHarness.ts';
import { captureOutput } from '../support/inspect.ts';
import type { Receiver } from '../support/receiver.ts';
import {
  adminOfNewTenant,
  call,
  eventually,
  type Json,
  newTenant,
  receiverHook,
} from '../support/testApp.ts';

/**
 * What a delivery costs and what it leaves: the attempt log (SPEC §4: one item per attempt in its
 * hook's partition, keyed by event, no secondary index; how a hook's and an event's deliveries
 * list), the DynamoDB commands of one delivery, the hooks a warm dispatcher keeps, the log lines.
 */
/** The emulator, as the functions' clients reach it. */
const emulatorClient = (app: LocalApp) => ({
  endpoint: app.emulatorEndpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

describe('what a delivery costs', () => {
  let h: DeliveryHarness;
  let app: LocalApp;
  let receiver: Receiver;
  let raw: DynamoDBClient;
  let db: DynamoDBDocumentClient;
  /** DynamoDB commands the dispatcher sent, in order, while `counting`. */
  const dispatcherCommands: string[] = [];
  let counting = false;

  beforeAll(async () => {
    // DEBUG, so the log test sees every line and can tell what INFO would keep.
    h = await startDeliveryHarness({
      DELIVERY_RETRY_SCHEDULE_SECONDS: '1,1,1,1',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    ({ app, receiver } = h);
    // The functions' own client (local mode runs the handlers in this process); the function
    // each command is sent for is local mode's awsCallScope.
    dynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        if (counting && awsCallScope.getStore() === 'Dispatcher') {
          dispatcherCommands.push(String(context.commandName));
        }
        return next(args);
      },
      { step: 'initialize', name: 'attemptLogTestCount' },
    );
    raw = new DynamoDBClient(emulatorClient(app));
    db = DynamoDBDocumentClient.from(raw);
  });
  afterAll(async () => {
    raw?.destroy();
    await h?.stop();
  });

  const setup = adminOfNewTenant;
  const hook = (token: string, path: string, body: Json = {}) =>
    receiverHook(app, token, receiver.url, path, body);
  async function publish(token: string, orderId: string): Promise<string> {
    const res = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.created', data: { order_id: orderId } },
    });
    expect(res.status, res.text).toBe(202);
    return (res.body as Json).event_id as string;
  }
  const hookLog = async (token: string, hookId: string, query = '') => {
    const res = await call(app, 'GET', `/v1/hooks/${hookId}/deliveries${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body as Json;
  };
  /** The attempts of one event as its hook's log lists them. */
  const attemptsOf = async (token: string, eventId: string): Promise<Json[]> => {
    const res = await call(app, 'GET', `/v1/events/${eventId}`, { token });
    return ((res.body as Json).deliveries ?? []).flatMap((d: Json) => d.attempts);
  };
  const logItems = async (tenant: string, hookId: string) =>
    (
      await db.send(
        new QueryCommand({
          TableName: app.resources.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': `T#${tenant}#DLV#HOOK#${hookId}` },
        }),
      )
    ).Items ?? [];

  it('costs a successful first attempt one read of the hook and one put: the attempt, without an index', async () => {
    const { tenant, token } = await setup();
    const path = `/count-${Date.now()}`;
    const target = await hook(token, path);
    dispatcherCommands.length = 0;
    counting = true;
    const eventId = await publish(token, 'o-1');
    await h.arrived(path);
    const [item] = await eventually(async () => {
      const items = await logItems(tenant, target.id);
      return items.length > 0 ? items : undefined;
    });
    // Anything the dispatcher would send after the attempt (the breaker, say) comes at once.
    await new Promise((r) => setTimeout(r, 500));
    counting = false;
    expect(dispatcherCommands).toEqual(['GetItemCommand', 'PutItemCommand']);

    // What the item holds: its key says hook, event and attempt number; nothing is stored twice.
    expect(item!.sk).toBe(`${eventId}#001`);
    expect(Object.keys(item!).sort()).toEqual(
      ['at', 'expiresAt', 'latencyMs', 'pk', 'response', 'result', 'sk', 'status', 'type'].sort(),
    );
    expect(item).toMatchObject({ type: 'order.created', result: 'succeeded', status: 200 });
    expect(Object.keys(item!).some((k) => k.startsWith('gsi'))).toBe(false);
    // 1 write unit: attribute names and values of a typical successful attempt stay under 1 KB.
    const size = Object.entries(item!).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    expect(size).toBeLessThan(1024);
  });

  it('lists a hook’s deliveries newest event first, attempts of one delivery together, a test in its place', async () => {
    const { token } = await setup();
    const path = `/order-${Date.now()}`;
    const target = await hook(token, path);
    // The first event fails until the second one was delivered, so its successful attempt goes
    // out after the second event's, yet it lists with its own event.
    const got = (orderId: string) => h.at(path).filter((r) => r.json?.order_id === orderId);
    receiver.route = (r) =>
      r.json?.order_id === 'o-1' && got('o-2').length === 0 ? { status: 503, body: 'busy' } : undefined;
    const first = await publish(token, 'o-1');
    await h.arrived(path, 1);
    const second = await publish(token, 'o-2');
    await eventually(() => (got('o-1').length >= 2 && got('o-2').length === 1 ? true : undefined));
    const tries = got('o-1').length;
    receiver.route = undefined;
    const test = await call(app, 'POST', `/v1/hooks/${target.id}/test`, { token });
    expect(test.status, test.text).toBe(200);
    expect(test.body).toMatchObject({
      test: true,
      result: 'succeeded',
      event_id: expect.stringMatching(/^evt_/),
    });

    const all = await eventually(async () => {
      const page = await hookLog(token, target.id);
      return page.attempts.length === tries + 2 ? page : undefined;
    });
    const testEvent = (test.body as Json).event_id as string;
    expect(all.attempts.map((a: Json) => [a.event_id, a.attempt, a.result, a.test])).toEqual([
      [testEvent, 1, 'succeeded', true],
      [second, 1, 'succeeded', false],
      ...Array.from({ length: tries }, (_, i) => [
        first,
        tries - i,
        i === 0 ? 'succeeded' : 'retrying',
        false,
      ]),
    ]);
    expect(all.attempts[2].delivery_id).toBe(deliveryIdFor(first, target.id));
    expect(all.attempts.at(-1)).toMatchObject({
      status: 503,
      response: 'busy',
      error: expect.stringContaining('503'),
    });
    // By event, not by attempt time: the first event's last attempt went out after the second's.
    expect(Date.parse(all.attempts[2].at)).toBeGreaterThan(Date.parse(all.attempts[1].at));

    // Paged with the cursor: the same order, nothing twice.
    const pages: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await hookLog(token, target.id, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(...page.attempts);
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual(all.attempts);

    // The event's deliveries: read from the partitions of the hooks its record names.
    const event = await call(app, 'GET', `/v1/events/${first}`, { token });
    expect(event.status).toBe(200);
    expect((event.body as Json).deliveries).toMatchObject([
      {
        delivery_id: deliveryIdFor(first, target.id),
        hook_id: target.id,
        state: 'succeeded',
        attempts: Array.from({ length: tries }, (_, i) => ({
          attempt: i + 1,
          result: i === tries - 1 ? 'succeeded' : 'retrying',
        })),
      },
    ]);
  });

  it('shows each hook’s delivery of one event, read from each hook’s partition', async () => {
    const { token } = await setup();
    const path = `/fan-${Date.now()}`;
    const a = await hook(token, `${path}/a`);
    const b = await hook(token, `${path}/b`);
    const eventId = await publish(token, 'o-3');
    await h.arrived(`${path}/a`);
    await h.arrived(`${path}/b`);
    const event = await eventually(async () => {
      const e = (await call(app, 'GET', `/v1/events/${eventId}`, { token })).body as Json;
      return e.deliveries.every((d: Json) => d.state === 'succeeded') ? e : undefined;
    });
    expect(event.deliveries.map((d: Json) => d.hook_id).sort()).toEqual([a.id, b.id].sort());
    // Another hook's log holds nothing of this event's other delivery.
    expect((await hookLog(token, a.id)).attempts.map((x: Json) => x.hook_id)).toEqual([a.id]);
  });

  it('numbers a second copy of the same attempt after the first instead of overwriting it', async () => {
    const tenant = newTenant();
    const log = new DeliveryLog(db as unknown as typeof dynamoDb, app.resources.tableName);
    const [eventId] = newEventIds(1) as [string];
    const attempt: Attempt = {
      deliveryId: deliveryIdFor(eventId, 'hk_dup'),
      eventId,
      hookId: 'hk_dup',
      type: 'order.created',
      attempt: 1,
      result: 'succeeded',
      status: 200,
      latencyMs: 3,
      at: new Date().toISOString(),
    };
    const count = { priorAttempts: 0, firstReceive: false };
    expect(await log.nextAttemptNumber(tenant, 'hk_dup', eventId, count)).toBe(1);
    expect((await log.record(tenant, attempt)).attempt).toBe(1);
    expect((await log.record(tenant, attempt)).attempt).toBe(2);
    expect(await log.nextAttemptNumber(tenant, 'hk_dup', eventId, count)).toBe(3);
    // A re-driven delivery continues from its count, even when its earlier attempts have expired.
    expect(
      await log.nextAttemptNumber(tenant, 'hk_other', eventId, { priorAttempts: 4, firstReceive: true }),
    ).toBe(5);
    const page = await log.ofHook(tenant, 'hk_dup', 10);
    expect(page.attempts.map((x) => [x.attempt, x.deliveryId])).toEqual([
      [2, attempt.deliveryId],
      [1, attempt.deliveryId],
    ]);
  });

  it('logs a success at DEBUG only, every failure at WARN or ERROR with its reason, and never a secret', async () => {
    const { token } = await setup();
    const path = `/logged-${Date.now()}`;
    const password = 'pw-LOGCHECK-5c2e';
    const signingSecret = 'whsec_TE9HQ0hFQ0stc2lnbmluZy1zZWNyZXQtMTIzNA==';
    await hook(token, path, {
      auth: { type: 'basic', username: 'svc', password },
      signing: { profile: 'standard', secret: signingSecret },
    });
    const linesOf = (text: string, eventId: string) =>
      text
        .split('\n')
        .filter((line) => line.includes(eventId))
        .map((line) => JSON.parse(line) as Json);
    let ok = '';
    let failing = '';
    const output = captureOutput();
    try {
      ok = await publish(token, 'o-ok');
      await h.arrived(path);
      await eventually(async () => ((await attemptsOf(token, ok)).length > 0 ? true : undefined));
      receiver.reply({ status: 503, body: 'busy' }, { status: 400, body: 'bad order' });
      failing = await publish(token, 'o-fail');
      await eventually(async () => ((await attemptsOf(token, failing)).length === 2 ? true : undefined));
      // The attempt is recorded before the dispatcher dead-letters it and logs the ERROR line.
      await eventually(() => (output.text().includes('Delivery failed; dead-lettered') ? true : undefined));
    } finally {
      output.stop();
    }
    const text = output.text();
    // The logs run at DEBUG here: what a success writes is all DEBUG, so at INFO (as deployed) it
    // writes nothing; the attempt log and the batch's metrics hold it.
    expect(linesOf(text, ok).map((l) => [l.level, l.message])).toEqual([
      ['DEBUG', 'Events accepted'],
      ['DEBUG', 'Delivered'],
    ]);
    expect(linesOf(text, ok)[1]).toMatchObject({ attempt: 1, status: 200, latencyMs: expect.any(Number) });
    // A retry is WARN, a permanent failure ERROR, each with the ids and what the receiver answered.
    expect(
      linesOf(text, failing)
        .filter((l) => l.level !== 'DEBUG')
        .map((l) => [l.level, l.message, l.attempt, l.reason]),
    ).toEqual([
      ['WARN', 'Delivery attempt failed; will retry', 1, expect.stringContaining('HTTP 503')],
      ['ERROR', 'Delivery failed; dead-lettered', 2, expect.stringContaining('HTTP 400')],
    ]);
    expect(text).not.toContain(password);
    expect(text).not.toContain(signingSecret);
    expect(text).not.toContain(Buffer.from(`svc:${password}`).toString('base64'));
  });

  it('keeps a deliverable hook for HOOK_CACHE_TTL_MS: changes, disabling and deleting take effect after it', async () => {
    const { tenant, token } = await setup();
    const path = `/cache-${Date.now()}`;
    const first = 'whsec_Q0FDSEUtZmlyc3Qtc2lnbmluZy1zZWNyZXQtMDE=';
    const second = 'whsec_Q0FDSEUtc2Vjb25kLXNpZ25pbmctc2VjcmV0LTAy';
    const created = await hook(token, `${path}/a`, { signing: { profile: 'standard', secret: first } });
    const table = app.resources.tableName;
    // A dispatcher of its own on a counting client, with a clock the test moves.
    const sent: string[] = [];
    const counted = new DynamoDBClient(emulatorClient(app));
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'cacheTestCount' },
    );
    const ddb = DynamoDBDocumentClient.from(counted, { marshallOptions: { removeUndefinedValues: true } });
    const sm = new SecretsManagerClient(emulatorClient(app));
    const http = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });
    const hooks = new HookStore(ddb, table, (key, reason) => {
      throw new Error(`unreadable hook item ${String(key.sk)}: ${reason}`);
    });
    const log = new DeliveryLog(ddb, table);
    const queue = new DeliveryQueue(h.sqs, {
      queueUrl: app.resources.deliveryQueueUrl,
      orderedQueueUrl: app.resources.orderedDeliveryQueueUrl,
      deadLetterQueueUrl: app.resources.deadLetterQueueUrl,
    });
    // Imported here: the dispatcher loads the logger, which must see this file's DEBUG level.
    const { Dispatcher, HOOK_CACHE_TTL_MS } = await import('../../shared/services/dispatcher.ts');
    let clock = 1_000_000;
    const dispatcher = new Dispatcher({
      hooks,
      queue,
      delivery: new DeliveryService({
        http,
        secrets: new SecretStore(sm, app.resources.env.SECRET_PREFIX!),
        log,
        schedule: [1],
      }),
      deadLetters: new DeadLetterStore(ddb, table),
      log,
      limiter: new RateLimiter(ddb, table),
      publisher: new EventPublisher({ hooks, events: new EventStore(ddb, table), queue }),
      disableAfterMs: 3_600_000,
      cacheClock: () => clock,
    });
    const stored = (await hooks.getWithHealth(tenant, created.id)).hook!;
    /** Delivers one new event to the hook as its first receive; answers the DynamoDB commands sent. */
    const deliver = async (orderId: string) => {
      const [id] = newEventIds(1) as [string];
      const [message] = deliveriesFor(
        {
          id,
          tenant,
          type: 'order.created',
          data: { order_id: orderId },
          receivedAt: new Date().toISOString(),
        },
        [stored],
      );
      const record = {
        messageId: orderId,
        receiptHandle: 'not-on-a-queue',
        body: JSON.stringify(message),
        attributes: { ApproximateReceiveCount: '1' },
      } as unknown as SQSRecord;
      sent.length = 0;
      expect(await dispatcher.process(record)).toBe('done');
      return [...sent];
    };
    const got = (orderId: string) => receiver.received.find((r) => r.json?.order_id === orderId);
    const patch = async (body: Json) =>
      expect((await call(app, 'PATCH', `/v1/hooks/${created.id}`, { token, body })).status).toBe(200);
    const lastAttempt = async () => (await log.ofHook(tenant, created.id, 1)).attempts[0]!;

    try {
      expect(await deliver('c-1')).toEqual(['GetItemCommand', 'PutItemCommand']);
      expect(await deliver('c-2')).toEqual(['PutItemCommand']);

      // A new URL and a rotated secret: the kept hook until the TTL has passed, then the new ones.
      await patch({ url: `${receiver.url}${path}/b`, signing: { secret: second } });
      clock += HOOK_CACHE_TTL_MS - 1;
      await deliver('c-3');
      expect(got('c-3')!.path).toBe(`${path}/a`);
      expect(() => new Webhook(second).verify(got('c-3')!.body, got('c-3')!.headers)).toThrow();
      clock += 2;
      expect(await deliver('c-4')).toEqual(['GetItemCommand', 'PutItemCommand']);
      expect(got('c-4')!.path).toBe(`${path}/b`);
      expect(new Webhook(second).verify(got('c-4')!.body, got('c-4')!.headers)).toMatchObject({
        order_id: 'c-4',
      });

      /** Still delivered within the TTL; after it, dead-lettered with this reason. */
      const deadLetteredAfterTtl = async (within: string, after: string, reason: string) => {
        await deliver(within);
        expect(got(within)).toBeDefined();
        clock += HOOK_CACHE_TTL_MS;
        await deliver(after);
        expect(got(after)).toBeUndefined();
        expect(await lastAttempt()).toMatchObject({
          result: 'dead-lettered',
          error: expect.stringContaining(reason),
        });
      };
      await patch({ enabled: false });
      await deadLetteredAfterTtl('c-5', 'c-6', 'is disabled');
      // A hook that cannot take deliveries is never kept: re-enabled, it takes the next one at once.
      await patch({ enabled: true });
      expect(await deliver('c-7')).toContain('GetItemCommand');
      expect(got('c-7')).toBeDefined();

      // A failure reads the hook afresh for the breaker and drops it; a success clears the breaker once.
      receiver.reply({ status: 400, body: 'no' });
      const failed = await deliver('c-8');
      expect(failed.filter((c) => c === 'GetItemCommand')).toHaveLength(1);
      expect(failed).toContain('UpdateItemCommand'); // the breaker's clock starts
      expect((await hooks.getWithHealth(tenant, created.id)).failingSince).toEqual(expect.any(String));
      expect(await deliver('c-9')).toEqual(['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand']);
      expect((await hooks.getWithHealth(tenant, created.id)).failingSince).toBeUndefined();
      expect(await deliver('c-10')).toEqual(['PutItemCommand']);

      expect((await call(app, 'DELETE', `/v1/hooks/${created.id}`, { token })).status).toBe(204);
      await deadLetteredAfterTtl('c-11', 'c-12', 'no longer exists');
    } finally {
      await http.close();
      sm.destroy();
      counted.destroy();
    }
  });
});
