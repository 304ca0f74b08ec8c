import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type PlainInterlock, startPlainInterlock } from '../../scripts/local/deviceServers.ts';
import { AuditStore } from '../../shared/adapters/auditStore.ts';
import { BookingStore } from '../../shared/adapters/bookingStore.ts';
import { HookStore } from '../../shared/adapters/hookStore.ts';
import { InterlockClient } from '../../shared/adapters/interlockClient.ts';
import { createOutboundHttp, type OutboundHttp } from '../../shared/adapters/outboundHttp.ts';
import { SecretStore } from '../../shared/adapters/secretStore.ts';
import { ServiceStore } from '../../shared/adapters/serviceStore.ts';
import { NotFound } from '../../shared/http/errors.ts';
import type { Principal, Role } from '../../shared/http/principal.ts';
import { INTERLOCK_CACHE_TTL_MS, InterlockService } from '../../shared/services/interlockService.ts';
import { call, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/**
 * A warm interlock instance keeps services and targets for INTERLOCK_CACHE_TTL_MS, so a lock or
 * status costs only what the authorisation needs (the caller's bookings) and its audit record.
 */
describe('interlock calls in a warm instance', () => {
  let app: LocalApp;
  let ddb: DynamoDBClient;
  let sm: SecretsManagerClient;
  let http: OutboundHttp;
  let device: PlainInterlock;
  /** DynamoDB commands sent, in order, by the service under test. */
  const sent: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    const clientConfig = {
      endpoint: app.emulatorEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    ddb = new DynamoDBClient(clientConfig);
    ddb.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    sm = new SecretsManagerClient(clientConfig);
    http = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });
    device = await startPlainInterlock();
  });
  afterAll(async () => {
    await device?.close();
    await http?.close();
    ddb?.destroy();
    sm?.destroy();
    await app?.stop();
  });

  /** An InterlockService on the test app's table whose DynamoDB commands land in `sent`. */
  function interlockService(cacheClock: () => number): InterlockService {
    const db = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    const table = app.resources.tableName;
    return new InterlockService({
      services: new ServiceStore(db, table),
      bookings: new BookingStore(db, table),
      hooks: new HookStore(db, table, (key, reason) => {
        throw new Error(`unreadable hook item ${String(key.sk)}: ${reason}`);
      }),
      audit: new AuditStore(db, table),
      client: new InterlockClient(http, new SecretStore(sm, app.resources.env.SECRET_PREFIX!)),
      cacheClock,
    });
  }
  const commandsOf = async (run: () => Promise<unknown>) => {
    sent.length = 0;
    await run();
    return [...sent].sort();
  };

  it('reads the service and targets once, then only bookings and the audit write, until the TTL passes', async () => {
    const tenant = newTenant();
    const staff = await tokenFor(tenant, ['staff'], 'sam');
    const serviceId = 'svc-cache';
    const put = (tags: string[]) =>
      call(app, 'PUT', `/v1/services/${serviceId}`, { token: staff, body: { name: 'FACS', tags } });
    expect((await put(['has_interlock'])).status).toBe(200);
    const hook = await call(app, 'POST', '/v1/hooks', {
      token: staff,
      body: { name: 'Door', events: ['interlock.lock'], scope: serviceId, url: `${device.url}/lock` },
    });
    expect(hook.status, hook.text).toBe(201);

    let clock = 1_000_000;
    const interlocks = interlockService(() => clock);
    const sam: Principal = { sub: 'sam', tenant, roles: new Set<Role>(['staff']) };
    const alice: Principal = { sub: 'alice', tenant, roles: new Set<Role>(['user']) };
    const db = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    await new BookingStore(db, app.resources.tableName).apply(tenant, {
      op: 'put',
      booking: {
        id: 'bk-1',
        serviceId,
        userId: 'alice',
        start: new Date(Date.now() - 60_000).toISOString(),
        end: new Date(Date.now() + 3600_000).toISOString(),
      },
    });

    const cold = await commandsOf(() => interlocks.act(sam, serviceId, 'lock'));
    expect(cold).toContain('GetItemCommand');
    expect(cold.filter((c) => c === 'QueryCommand').length).toBeGreaterThan(0);
    expect(await commandsOf(() => interlocks.act(sam, serviceId, 'lock'))).toEqual(['PutItemCommand']);
    // A user: her bookings are read on every call (authorisation is never cached).
    expect(await commandsOf(() => interlocks.act(alice, serviceId, 'lock'))).toEqual([
      'PutItemCommand',
      'QueryCommand',
    ]);
    expect(device.requests).toHaveLength(3);

    // Untagged: still served from the cache within the TTL, refused once it has passed.
    expect((await put([])).status).toBe(200);
    clock += INTERLOCK_CACHE_TTL_MS - 1;
    await interlocks.act(sam, serviceId, 'lock');
    clock += 2;
    await expect(interlocks.act(sam, serviceId, 'lock')).rejects.toBeInstanceOf(NotFound);
    expect(device.requests).toHaveLength(4);

    // A miss is not kept: tagged again, the next call works at once.
    expect((await put(['has_interlock'])).status).toBe(200);
    await interlocks.act(sam, serviceId, 'lock');
    expect(device.requests).toHaveLength(5);
  });

  it('keeps a door and its unlock targets for a trigger URL unlock too, and never a miss', async () => {
    const tenant = newTenant();
    const admin = await tokenFor(tenant, ['admin'], 'ada');
    const doorId = 'door-cache';
    const put = (tags: string[]) =>
      call(app, 'PUT', `/v1/services/${doorId}`, { token: admin, body: { name: 'Lab door', tags } });
    expect((await put(['door'])).status).toBe(200);
    const hook = await call(app, 'POST', '/v1/hooks', {
      token: admin,
      body: { name: 'Strike', events: ['interlock.unlock'], scope: doorId, url: `${device.url}/unlock` },
    });
    expect(hook.status, hook.text).toBe(201);
    let clock = 5_000_000;
    const interlocks = interlockService(() => clock);
    const trigger = { tenant, sub: 'trigger:tr-1', roles: new Set<Role>() };
    const before = device.requests.length;

    const cold = await commandsOf(() => interlocks.unlockDoor(trigger, doorId));
    expect(cold).toContain('GetItemCommand');
    expect(cold).toContain('QueryCommand');
    expect(await commandsOf(() => interlocks.unlockDoor(trigger, doorId))).toEqual(['PutItemCommand']);
    expect(device.requests.length - before).toBe(2);

    // No longer a door: kept until the TTL passes, then refused (the seed's 403 outcome).
    expect((await put([])).status).toBe(200);
    clock += INTERLOCK_CACHE_TTL_MS + 1;
    expect((await interlocks.unlockDoor(trigger, doorId)).outcome).toBe('failed');
    // The miss is not kept: a door again, the next unlock works at once.
    expect((await put(['door'])).status).toBe(200);
    expect((await interlocks.unlockDoor(trigger, doorId)).outcome).toBe('unlocked');
    expect(device.requests.length - before).toBe(3);
  });
});
