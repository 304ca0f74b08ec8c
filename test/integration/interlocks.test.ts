import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import {
  type DeviceServer,
  startPlainInterlock,
  startShellyLike,
  startTasmotaLike,
} from '../../scripts/local/deviceServers.ts';
import { AuditStore } from '../../shared/adapters/auditStore.ts';
import { BookingStore } from '../../shared/adapters/bookingStore.ts';
import { HookStore } from '../../shared/adapters/hookStore.ts';
import { InterlockClient } from '../../shared/adapters/interlockClient.ts';
import { createOutboundHttp, type OutboundHttp } from '../../shared/adapters/outboundHttp.ts';
import { SecretStore } from '../../shared/adapters/secretStore.ts';
import { ServiceStore } from '../../shared/adapters/serviceStore.ts';
import type { Booking } from '../../shared/domain/interlockWindow.ts';
import { Forbidden } from '../../shared/http/errors.ts';
import type { Principal, Role } from '../../shared/http/principal.ts';
import { InterlockService } from '../../shared/services/interlockService.ts';
import { captureOutput } from '../support/inspect.ts';
import { type ApiCall, call, type Json, newTenant, startTestApp, tokenFor } from '../support/testApp.ts';

/** `2026-01-01T09:55:00Z`: how the window appears in messages. */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('interlocks', () => {
  let app: LocalApp;
  let ddb: DynamoDBClient;
  let db: DynamoDBDocumentClient;
  let sm: SecretsManagerClient;
  let http: OutboundHttp;
  let bookings: BookingStore;

  beforeAll(async () => {
    // Debug-level logs, so the no-leak check sees everything the handlers can log.
    app = await startTestApp({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });
    const clientConfig = {
      endpoint: app.emulatorEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    ddb = new DynamoDBClient(clientConfig);
    db = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    sm = new SecretsManagerClient(clientConfig);
    http = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });
    bookings = new BookingStore(db, app.resources.tableName);
  });
  afterAll(async () => {
    await http?.close();
    ddb?.destroy();
    sm?.destroy();
    await app?.stop();
  });

  const devices: DeviceServer[] = [];
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });
  async function device<T extends DeviceServer>(server: Promise<T>): Promise<T> {
    const d = await server;
    devices.push(d);
    return d;
  }

  /** A tenant with a staff member and an admin, and a service with interlock controls. */
  async function facility(serviceId = 'svc-1', tags = ['has_interlock']) {
    const tenant = newTenant();
    const staff = await tokenFor(tenant, ['staff'], 'sam-staff');
    const admin = await tokenFor(tenant, ['admin'], 'ada-admin');
    const put = await call(app, 'PUT', `/v1/services/${serviceId}`, {
      token: staff,
      body: { name: 'Confocal microscope', tags },
    });
    expect(put.status, put.text).toBe(200);
    return { tenant, staff, admin, serviceId };
  }

  async function target(token: string, body: Json): Promise<Json> {
    const res = await call(app, 'POST', '/v1/hooks', { token, body });
    expect(res.status, res.text).toBe(201);
    return res.body as Json;
  }

  const lock = (token: string, serviceId: string) =>
    call(app, 'POST', `/v1/interlocks/${serviceId}/lock`, { token });
  const unlock = (token: string, serviceId: string) =>
    call(app, 'POST', `/v1/interlocks/${serviceId}/unlock`, { token });
  const status = (token: string, serviceId: string) =>
    call(app, 'GET', `/v1/interlocks/${serviceId}/status`, { token });

  function message(res: ApiCall): string {
    return (res.body as Json).message as string;
  }

  describe('services', () => {
    it('staff create and replace services with tags; every role of the tenant reads them', async () => {
      const { tenant, staff, serviceId } = await facility('nmr-600');
      const user = await tokenFor(tenant, ['user'], 'alice');
      const read = await call(app, 'GET', `/v1/services/${serviceId}`, { token: user });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        id: 'nmr-600',
        name: 'Confocal microscope',
        tags: ['has_interlock'],
        has_interlock: true,
        updated_at: expect.any(String),
      });

      const replaced = await call(app, 'PUT', `/v1/services/${serviceId}`, {
        token: staff,
        body: { name: 'NMR 600', tags: ['nmr', 'nmr'] },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ name: 'NMR 600', tags: ['nmr'], has_interlock: false });

      const list = await call(app, 'GET', '/v1/services', { token: user });
      expect((list.body as Json).services.map((s: Json) => s.id)).toEqual(['nmr-600']);
    });

    it('refuses users, validates input, and answers 404 for unknown and other tenants’ services', async () => {
      const { tenant, serviceId } = await facility();
      const user = await tokenFor(tenant, ['user'], 'alice');
      const denied = await call(app, 'PUT', `/v1/services/${serviceId}`, {
        token: user,
        body: { name: 'x', tags: [] },
      });
      expect(denied.status).toBe(403);
      const invalid = await call(app, 'PUT', '/v1/services/svc-2', {
        token: await tokenFor(tenant, ['admin']),
        body: { tags: ['has interlock'] },
      });
      expect(invalid.status).toBe(422);
      expect((invalid.body as Json).errors.map((e: Json) => e.field).sort()).toEqual(['name', 'tags.0']);
      expect((await call(app, 'GET', '/v1/services/nope', { token: user })).status).toBe(404);
      const stranger = await tokenFor(newTenant(), ['admin']);
      expect((await call(app, 'GET', `/v1/services/${serviceId}`, { token: stranger })).status).toBe(404);
    });
  });

  describe('each action on each device kind', () => {
    it('plain webhook targets: lock and unlock push the seed payload with basic auth, status reads JSON', async () => {
      const { staff, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      const auth = { type: 'basic', username: 'lab', password: 'plain-pw-1' };
      const lockHook = await target(staff, {
        name: 'Door lock',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${d.url}/lock`,
        auth,
        data: { room: 'B12' },
      });
      await target(staff, {
        name: 'Door unlock',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${d.url}/unlock`,
        method: 'PUT',
        auth,
      });
      const statusHook = await target(staff, {
        name: 'Door status',
        events: ['interlock.status'],
        scope: serviceId,
        url: `${d.url}/status`,
        method: 'GET',
        auth,
      });

      const unlocked = await unlock(staff, serviceId);
      expect(unlocked.status, unlocked.text).toBe(200);
      expect(d.state.locked).toBe(false);
      const read = await status(staff, serviceId);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        service_id: serviceId,
        status: 'unlocked',
        target: { hook_id: statusHook.id, name: 'Door status', latency_ms: expect.any(Number) },
      });

      const locked = await lock(staff, serviceId);
      expect(locked.status).toBe(200);
      expect(locked.body).toEqual({
        service_id: serviceId,
        action: 'lock',
        targets: [{ hook_id: lockHook.id, status: 200, latency_ms: expect.any(Number) }],
      });
      expect((await status(staff, serviceId)).body).toMatchObject({ status: 'locked' });

      expect(d.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'PUT /unlock',
        'GET /status',
        'POST /lock',
        'GET /status',
      ]);
      const basic = `Basic ${Buffer.from('lab:plain-pw-1').toString('base64')}`;
      expect(d.requests.every((r) => r.headers.authorization === basic)).toBe(true);
      expect(JSON.parse(d.requests[2]!.body)).toEqual({
        room: 'B12',
        service_id: serviceId,
        action: 'lock',
        user_id: 'sam-staff',
        requested_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      // Lock and unlock are push-only: the device's answer body is not passed on.
      expect(locked.text).not.toContain('"locked"');
    });

    it('Shelly Gen2+ relay: one hook for all three actions, SHA-256 digest with the stored password', async () => {
      const { staff, serviceId } = await facility();
      const shelly = await device(startShellyLike({ password: 'shelly-digest-pw', channels: 2 }));
      await target(staff, {
        name: 'Shelly relay',
        events: ['interlock.lock', 'interlock.unlock', 'interlock.status'],
        scope: serviceId,
        url: shelly.url,
        auth: { type: 'basic', username: 'admin', password: 'shelly-digest-pw' },
        device: { kind: 'shelly', channel: 1, on_means: 'unlocked' },
      });

      expect((await unlock(staff, serviceId)).status).toBe(200);
      expect(shelly.outputs).toEqual([false, true]);
      expect((await status(staff, serviceId)).body).toMatchObject({ status: 'unlocked' });
      expect((await lock(staff, serviceId)).status).toBe(200);
      expect(shelly.outputs).toEqual([false, false]);
      expect((await status(staff, serviceId)).body).toMatchObject({ status: 'locked' });

      // Each call: a challenge, then the digest answer.
      const paths = shelly.requests.map((r) => `${r.headers.authorization ? 'digest' : 'bare'} ${r.path}`);
      expect(paths).toEqual([
        'bare /rpc/Switch.Set?id=1&on=true',
        'digest /rpc/Switch.Set?id=1&on=true',
        'bare /rpc/Switch.GetStatus?id=1',
        'digest /rpc/Switch.GetStatus?id=1',
        'bare /rpc/Switch.Set?id=1&on=false',
        'digest /rpc/Switch.Set?id=1&on=false',
        'bare /rpc/Switch.GetStatus?id=1',
        'digest /rpc/Switch.GetStatus?id=1',
      ]);
      expect(shelly.requests[1]!.headers.authorization).toMatch(
        /^Digest username="admin".*algorithm=SHA-256/,
      );
    });

    it('Shelly with a wrong password: 502 naming the 401 and the device’s message', async () => {
      const { staff, serviceId } = await facility();
      const shelly = await device(startShellyLike({ password: 'right' }));
      await target(staff, {
        name: 'Shelly relay',
        events: ['interlock.lock'],
        scope: serviceId,
        url: shelly.url,
        auth: { type: 'basic', username: 'admin', password: 'wrong' },
        device: { kind: 'shelly' },
      });
      const res = await lock(staff, serviceId);
      expect(res.status).toBe(502);
      expect(message(res)).toMatch(/"Shelly relay" \(hk_\w+\): HTTP 401 Unauthorized: Unauthorized$/);
    });

    it('Tasmota relay: Power On/Off/Power with user and password from the secret; on_means locked', async () => {
      const { staff, serviceId } = await facility();
      const tasmota = await device(startTasmotaLike({ user: 'lab', password: 'tas pw&1' }));
      await target(staff, {
        name: 'Tasmota plug',
        events: ['interlock.lock', 'interlock.unlock', 'interlock.status'],
        scope: serviceId,
        url: tasmota.url,
        auth: { type: 'basic', username: 'lab', password: 'tas pw&1' },
        device: { kind: 'tasmota', on_means: 'locked' },
      });

      expect((await lock(staff, serviceId)).status).toBe(200);
      expect(tasmota.outputs).toEqual([true]);
      expect((await status(staff, serviceId)).body).toMatchObject({ status: 'locked' });
      expect((await unlock(staff, serviceId)).status).toBe(200);
      expect(tasmota.outputs).toEqual([false]);
      const read = await status(staff, serviceId);
      expect(read.body).toMatchObject({ status: 'unlocked' });
      const credentials = '&user=lab&password=tas%20pw%261';
      expect(tasmota.requests.map((r) => r.path)).toEqual([
        `/cm?cmnd=Power%20On${credentials}`,
        `/cm?cmnd=Power${credentials}`,
        `/cm?cmnd=Power%20Off${credentials}`,
        `/cm?cmnd=Power${credentials}`,
      ]);
      expect(read.text).not.toContain('tas pw');
    });
  });

  it('fans a lock out to every target in parallel', async () => {
    const { staff, serviceId } = await facility();
    const door = await device(startPlainInterlock({ delayMs: 700 }));
    const power = await device(startPlainInterlock({ delayMs: 700 }));
    const hooks = [
      await target(staff, {
        name: 'Door',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${door.url}/lock`,
      }),
      await target(staff, {
        name: 'Power',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${power.url}/lock`,
      }),
    ];
    door.state.locked = false;
    power.state.locked = false;
    const started = Date.now();
    const res = await lock(staff, serviceId);
    const elapsed = Date.now() - started;
    expect(res.status, res.text).toBe(200);
    expect(door.state.locked && power.state.locked).toBe(true);
    expect((res.body as Json).targets.map((t: Json) => t.hook_id).sort()).toEqual(
      hooks.map((h) => h.id).sort(),
    );
    expect((res.body as Json).targets.every((t: Json) => t.latency_ms >= 650)).toBe(true);
    expect(elapsed, 'two 700 ms targets answered together, not one after the other').toBeLessThan(1350);
  });

  describe('error shapes', () => {
    it('a target answering 500 → 502 naming the target and the status; the others still act', async () => {
      const { staff, serviceId } = await facility();
      const ok = await device(startPlainInterlock());
      const broken = await device(startPlainInterlock({ statusCode: 500 }));
      ok.state.locked = false;
      await target(staff, {
        name: 'Door',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${ok.url}/lock`,
      });
      const bad = await target(staff, {
        name: 'Power',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${broken.url}/lock`,
      });
      const res = await lock(staff, serviceId);
      expect(res.status).toBe(502);
      expect(message(res)).toBe(
        `lock of service ${serviceId} failed at 1 of 2 targets: "Power" (${bad.id}): HTTP 500 Internal Server Error`,
      );
      expect(ok.state.locked).toBe(true);
      expect((res.body as Json).targets).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'Door', ok: true, status: 200 }),
          expect.objectContaining({
            hook_id: bad.id,
            ok: false,
            status: 500,
            error: 'HTTP 500 Internal Server Error',
          }),
        ]),
      );
    });

    it('slow targets → 504 naming each timeout (the 5000 ms default and a per-target timeout_ms)', async () => {
      const { staff, serviceId } = await facility();
      const slow = await device(startPlainInterlock({ delayMs: 6000 }));
      const defaultTimeout = await target(staff, {
        name: 'Door',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${slow.url}/unlock`,
      });
      const shortTimeout = await target(staff, {
        name: 'Power',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${slow.url}/unlock`,
        timeout_ms: 300,
      });
      const started = Date.now();
      const res = await unlock(staff, serviceId);
      expect(res.status).toBe(504);
      expect(message(res)).toContain(`"Door" (${defaultTimeout.id}): no response within 5000 ms`);
      expect(message(res)).toContain(`"Power" (${shortTimeout.id}): no response within 300 ms`);
      expect(Date.now() - started).toBeLessThan(5900);
    });

    it('a timeout alongside an HTTP error is a 502 (504 only when every failure is a timeout)', async () => {
      const { staff, serviceId } = await facility();
      const slow = await device(startPlainInterlock({ delayMs: 2000 }));
      const broken = await device(startPlainInterlock({ statusCode: 503 }));
      await target(staff, {
        name: 'Slow',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${slow.url}/lock`,
        timeout_ms: 200,
      });
      await target(staff, {
        name: 'Broken',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${broken.url}/lock`,
      });
      const res = await lock(staff, serviceId);
      expect(res.status).toBe(502);
      expect(message(res)).toMatch(/failed at 2 of 2 targets: .*no response within 200 ms/);
      expect(message(res)).toContain('HTTP 503 Service Unavailable');
    });

    it('connection refused → 502 naming the connection error', async () => {
      const { staff, serviceId } = await facility();
      const gone = await startPlainInterlock();
      await gone.close();
      await target(staff, {
        name: 'Door',
        events: ['interlock.lock', 'interlock.status'],
        scope: serviceId,
        url: `${gone.url}/lock`,
      });
      const res = await lock(staff, serviceId);
      expect(res.status).toBe(502);
      expect(message(res)).toMatch(
        /"Door" \(hk_\w+\): Connection refused by 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
      const read = await status(staff, serviceId);
      expect(read.status).toBe(502);
      expect(message(read)).toMatch(/^status of service svc-1 unknown: "Door" .*Connection refused/);
    });

    it('status answers that are not {"status":"locked"|"unlocked"} → 502 saying what came back', async () => {
      const { staff, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      const hook = await target(staff, {
        name: 'Door status',
        events: ['interlock.status'],
        scope: serviceId,
        url: `${d.url}/status`,
        method: 'GET',
      });
      const cases: [Parameters<typeof d.set>[0], string][] = [
        [
          { contentType: 'text/html', statusBody: '<html>locked</html>' },
          'expected content-type application/json, got text/html',
        ],
        [
          { contentType: 'application/json', statusBody: '{"status": locked}' },
          'response is not valid JSON: {"status": locked}',
        ],
        [{ statusBody: '{"status":"open"}' }, '"status" must be "locked" or "unlocked", got "open"'],
        [{ statusBody: '{"state":"locked"}' }, 'response has no "status" key: {"state":"locked"}'],
        [{ statusBody: undefined, statusCode: 503 }, 'HTTP 503 Service Unavailable'],
      ];
      for (const [answer, problem] of cases) {
        d.set(answer);
        const res = await status(staff, serviceId);
        expect(res.status, problem).toBe(502);
        expect(message(res)).toBe(
          `status of service ${serviceId} unreadable: "Door status" (${hook.id}) answered ${problem}`,
        );
        expect((res.body as Json).target).toMatchObject({ hook_id: hook.id, ok: false, error: problem });
      }
    });

    it('a slow status target → 504', async () => {
      const { staff, serviceId } = await facility();
      const d = await device(startPlainInterlock({ delayMs: 2000 }));
      await target(staff, {
        name: 'Door status',
        events: ['interlock.status'],
        scope: serviceId,
        url: `${d.url}/status`,
        method: 'GET',
        timeout_ms: 250,
      });
      const res = await status(staff, serviceId);
      expect(res.status).toBe(504);
      expect(message(res)).toMatch(/"Door status" \(hk_\w+\): no response within 250 ms$/);
    });

    it('no target for the action → 409 saying how to configure one', async () => {
      const { staff, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      // Hooks that are not this service's interlock.lock targets do not count: another
      // service's, a tenant-wide firehose, an event hook on this service, a disabled one.
      await target(staff, {
        name: 'Other',
        events: ['interlock.lock'],
        scope: 'svc-2',
        url: `${d.url}/lock`,
      });
      await target(staff, { name: 'Firehose', events: ['*'], url: `${d.url}/lock` });
      await target(staff, { name: 'Everything', events: ['*'], scope: serviceId, url: `${d.url}/lock` });
      await target(staff, {
        name: 'Off',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${d.url}/lock`,
        enabled: false,
      });
      await target(staff, {
        name: 'Unlock',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${d.url}/unlock`,
      });
      const res = await lock(staff, serviceId);
      expect(res.status).toBe(409);
      expect(message(res)).toBe(
        `Service ${serviceId} has no interlock.lock target; create a hook with "events": ["interlock.lock"] ` +
          `and "scope": "${serviceId}" (POST /v1/hooks)`,
      );
      expect((await status(staff, serviceId)).status).toBe(409);
      expect(d.requests).toEqual([]);
      const controls = await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: staff });
      expect((controls.body as Json).targets).toEqual({ lock: 0, unlock: 1, status: 0 });
    });

    it('404 for a service without has_interlock, an unknown one, and another tenant’s', async () => {
      const { tenant, staff, serviceId } = await facility('svc-plain', ['microscopy']);
      const d = await device(startPlainInterlock());
      await target(staff, {
        name: 'Door',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${d.url}/lock`,
      });
      const untagged = await lock(staff, serviceId);
      expect(untagged.status).toBe(404);
      expect(message(untagged)).toBe(
        'Service svc-plain with interlock controls (the has_interlock tag) not found',
      );
      expect((await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: staff })).status).toBe(404);
      expect((await lock(staff, 'svc-unknown')).status).toBe(404);

      const other = await facility('svc-theirs');
      await target(other.staff, {
        name: 'Their door',
        events: ['interlock.lock'],
        scope: 'svc-theirs',
        url: `${d.url}/lock`,
      });
      const foreign = await tokenFor(tenant, ['admin']);
      for (const res of [
        await lock(foreign, 'svc-theirs'),
        await status(foreign, 'svc-theirs'),
        await call(app, 'GET', '/v1/interlocks/svc-theirs', { token: foreign }),
        await call(app, 'GET', '/v1/interlocks/svc-theirs/audit', { token: foreign }),
      ]) {
        expect(res.status).toBe(404);
      }
      expect(d.requests).toEqual([]);
    });
  });

  describe('who may act', () => {
    it('staff and admin always; a user inside their booking window; outside it 403 with the window', async () => {
      const { tenant, staff, admin, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      await target(staff, {
        name: 'Door',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${d.url}/unlock`,
      });
      const now = Date.now();
      const current: Booking = {
        id: 'bk-now',
        serviceId,
        userId: 'alice',
        start: new Date(now - 10 * 60_000).toISOString(),
        end: new Date(now + 50 * 60_000).toISOString(),
      };
      const later: Booking = {
        id: 'bk-later',
        serviceId,
        userId: 'bob',
        start: new Date(now + 2 * 3600_000).toISOString(),
        end: new Date(now + 3 * 3600_000).toISOString(),
      };
      await bookings.apply(tenant, { op: 'put', booking: current });
      await bookings.apply(tenant, { op: 'put', booking: later });
      const alice = await tokenFor(tenant, ['user'], 'alice');
      const bob = await tokenFor(tenant, ['user'], 'bob');

      for (const token of [staff, admin, alice]) expect((await unlock(token, serviceId)).status).toBe(200);

      const denied = await unlock(bob, serviceId);
      expect(denied.status).toBe(403);
      const from = isoSeconds(Date.parse(later.start) - 5 * 60_000);
      const to = isoSeconds(Date.parse(later.end) + 30 * 60_000);
      expect(message(denied)).toBe(
        `You may not unlock the interlock of service ${serviceId} now: no booking of yours on this ` +
          `service allows interlock control now; your next window is from ${from} to ${to}`,
      );
      expect(d.requests).toHaveLength(3);

      const view = await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: bob });
      expect(view.status).toBe(200);
      expect(view.body).toEqual({
        service_id: serviceId,
        visible: false,
        reason: expect.stringContaining('your next window'),
        window: { from, to },
      });
      const aliceView = await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: alice });
      expect(aliceView.body).toMatchObject({
        visible: true,
        reason: expect.stringContaining('your booking bk-now allows interlock control from'),
        targets: { lock: 0, unlock: 1, status: 0 },
      });
      expect((await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: staff })).body).toMatchObject({
        visible: true,
        reason: 'facility staff see interlock controls at all times',
      });
    });

    it('booking events sent to POST /v1/events become bookings that open and close a user’s controls', async () => {
      const { tenant, staff, serviceId } = await facility('svc-events');
      const user = await tokenFor(tenant, ['user'], 'uma');
      const now = Date.now();
      const data = {
        event_id: 'bk-ev-1',
        service_id: serviceId,
        user_id: 'uma',
        start: new Date(now + 2 * 60_000).toISOString(),
        end: new Date(now + 60 * 60_000).toISOString(),
      };
      expect((await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: user })).body).toMatchObject({
        visible: false,
      });
      const created = await call(app, 'POST', '/v1/events', {
        token: staff,
        body: { type: 'event.created', data },
      });
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ booking: 'stored' });
      expect((await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: user })).body).toMatchObject({
        visible: true,
      });

      // Moved to tomorrow: outside the window again.
      const moved = {
        ...data,
        start: new Date(now + 24 * 3600_000).toISOString(),
        end: new Date(now + 25 * 3600_000).toISOString(),
      };
      await call(app, 'POST', '/v1/events', { token: staff, body: { type: 'event.updated', data: moved } });
      expect((await call(app, 'GET', `/v1/interlocks/${serviceId}`, { token: user })).body).toMatchObject({
        visible: false,
      });
      await call(app, 'POST', '/v1/events', { token: staff, body: { type: 'event.updated', data } });
      expect((await lock(user, serviceId)).status).not.toBe(403);
      const deleted = await call(app, 'POST', '/v1/events', {
        token: staff,
        body: { type: 'event.deleted', data: { event_id: 'bk-ev-1' } },
      });
      expect(deleted.body).toMatchObject({ booking: 'deleted' });
      expect((await lock(user, serviceId)).status).toBe(403);

      const incomplete = await call(app, 'POST', '/v1/events', {
        token: staff,
        body: { type: 'event.created', data: { event_id: 'bk-ev-2', user_id: 'uma' } },
      });
      expect(incomplete.status).toBe(202);
      expect((incomplete.body as Json).booking).toMatch(/^not stored: a booking needs/);
    });

    it('a booking deleted by id alone, or moved to another user, no longer opens the controls', async () => {
      const { tenant, staff, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      await target(staff, {
        name: 'Door',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${d.url}/unlock`,
      });
      const now = Date.now();
      const booking: Booking = {
        id: 'bk-1',
        serviceId,
        userId: 'alice',
        start: new Date(now).toISOString(),
        end: new Date(now + 3600_000).toISOString(),
      };
      const alice = await tokenFor(tenant, ['user'], 'alice');
      const carol = await tokenFor(tenant, ['user'], 'carol');
      await bookings.apply(tenant, { op: 'put', booking });
      expect((await unlock(alice, serviceId)).status).toBe(200);

      await bookings.apply(tenant, { op: 'put', booking: { ...booking, userId: 'carol' } });
      expect((await unlock(alice, serviceId)).status).toBe(403);
      expect((await unlock(carol, serviceId)).status).toBe(200);

      await bookings.apply(tenant, { op: 'delete', bookingId: 'bk-1' });
      const res = await unlock(carol, serviceId);
      expect(res.status).toBe(403);
      expect(message(res)).toMatch(/no booking of yours on this service$/);
      expect(await bookings.forUser(tenant, serviceId, 'carol')).toEqual([]);
    });

    it('roles without interlock rights get 403, and a booking on another service does not help', async () => {
      const { tenant, staff, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      await target(staff, {
        name: 'Door',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${d.url}/lock`,
      });
      const now = Date.now();
      await bookings.apply(tenant, {
        op: 'put',
        booking: {
          id: 'bk-elsewhere',
          serviceId: 'svc-other',
          userId: 'alice',
          start: new Date(now).toISOString(),
          end: new Date(now + 3600_000).toISOString(),
        },
      });
      const webhookAdmin = await lock(await tokenFor(tenant, ['webhook_admin'], 'wanda'), serviceId);
      expect(webhookAdmin.status).toBe(403);
      expect(message(webhookAdmin)).toMatch(/you have only the role webhook_admin$/);
      const alice = await lock(await tokenFor(tenant, ['user'], 'alice'), serviceId);
      expect(alice.status).toBe(403);
      expect(d.requests).toEqual([]);
    });

    it('window boundaries hold to the second (5 min before start, 30 min after end, inclusive)', async () => {
      const { tenant, staff, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      await target(staff, {
        name: 'Door',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${d.url}/lock`,
      });
      await bookings.apply(tenant, {
        op: 'put',
        booking: {
          id: 'bk-w',
          serviceId,
          userId: 'alice',
          start: '2026-03-02T10:00:00Z',
          end: '2026-03-02T11:00:00Z',
        },
      });
      const table = app.resources.tableName;
      let clock = new Date(0);
      const interlocks = new InterlockService({
        services: new ServiceStore(db, table),
        bookings,
        hooks: new HookStore(db, table, (key, reason) => {
          throw new Error(`unreadable hook item ${String(key.sk)}: ${reason}`);
        }),
        audit: new AuditStore(db, table),
        client: new InterlockClient(http, new SecretStore(sm, app.resources.env.SECRET_PREFIX!)),
        now: () => clock,
      });
      const alice: Principal = { sub: 'alice', tenant, roles: new Set<Role>(['user']) };
      const attempt = async (iso: string) => {
        clock = new Date(iso);
        try {
          await interlocks.act(alice, serviceId, 'lock');
          return 'allowed';
        } catch (err) {
          if (err instanceof Forbidden) return err.message;
          throw err;
        }
      };
      expect(await attempt('2026-03-02T09:54:59.999Z')).toBe(
        `You may not lock the interlock of service ${serviceId} now: no booking of yours on this service ` +
          'allows interlock control now; your next window is from 2026-03-02T09:55:00Z to 2026-03-02T11:30:00Z',
      );
      expect(await attempt('2026-03-02T09:55:00.000Z')).toBe('allowed');
      expect(await attempt('2026-03-02T10:30:00.000Z')).toBe('allowed');
      expect(await attempt('2026-03-02T11:30:00.999Z')).toBe('allowed');
      expect(await attempt('2026-03-02T11:30:01.000Z')).toMatch(
        /your last window was from 2026-03-02T09:55:00Z to 2026-03-02T11:30:00Z$/,
      );
      expect(d.requests).toHaveLength(3);
      expect(
        JSON.parse(d.requests[0]!.body).requested_at,
        'the device is told the (pinned) request time',
      ).toBe('2026-03-02T09:55:00.000Z');
      clock = new Date('2026-03-02T09:54:59Z');
      expect(await interlocks.controls(alice, serviceId)).toMatchObject({ visible: false });
      clock = new Date('2026-03-02T09:55:00Z');
      expect(await interlocks.controls(alice, serviceId)).toMatchObject({
        visible: true,
        window: { from: '2026-03-02T09:55:00Z', to: '2026-03-02T11:30:00Z' },
      });
    });
  });

  describe('audit trail', () => {
    it('records every call, allowed or denied, newest first, for admins only, paginated', async () => {
      const { tenant, staff, admin, serviceId } = await facility();
      const d = await device(startPlainInterlock());
      const auth = { type: 'basic', username: 'lab', password: 'audit-secret-pw' };
      const lockHook = await target(staff, {
        name: 'Door lock',
        events: ['interlock.lock'],
        scope: serviceId,
        url: `${d.url}/lock`,
        auth,
      });
      const unlockHook = await target(staff, {
        name: 'Door unlock',
        events: ['interlock.unlock'],
        scope: serviceId,
        url: `${d.url}/unlock`,
        auth,
      });
      const statusHook = await target(staff, {
        name: 'Door status',
        events: ['interlock.status'],
        scope: serviceId,
        url: `${d.url}/status`,
        method: 'GET',
        auth,
      });
      const user = await tokenFor(tenant, ['user'], 'uma');

      const output = captureOutput();
      const responses: ApiCall[] = [];
      try {
        responses.push(await unlock(staff, serviceId));
        responses.push(await status(admin, serviceId));
        responses.push(await lock(user, serviceId));
        d.set({ statusCode: 503 });
        responses.push(await lock(staff, serviceId));
      } finally {
        output.stop();
      }
      expect(responses.map((r) => r.status)).toEqual([200, 200, 403, 502]);

      const trail = await call(app, 'GET', `/v1/interlocks/${serviceId}/audit`, { token: admin });
      expect(trail.status).toBe(200);
      const entries = (trail.body as Json).entries as Json[];
      expect(entries.map((e) => [e.who, e.action, e.result, e.http_status])).toEqual([
        ['sam-staff', 'lock', 'error', 502],
        ['uma', 'lock', 'denied', 403],
        ['ada-admin', 'status', 'ok', 200],
        ['sam-staff', 'unlock', 'ok', 200],
      ]);
      const [failed, denied, read, unlocked] = entries as [Json, Json, Json, Json];
      expect(unlocked).toEqual({
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        who: 'sam-staff',
        roles: ['staff'],
        action: 'unlock',
        result: 'ok',
        http_status: 200,
        latency_ms: expect.any(Number),
        targets: [
          {
            hook_id: unlockHook.id,
            name: 'Door unlock',
            ok: true,
            status: 200,
            latency_ms: expect.any(Number),
          },
        ],
      });
      expect(read).toMatchObject({
        reported: 'unlocked',
        targets: [{ hook_id: statusHook.id, ok: true, status: 200 }],
      });
      expect(denied).toMatchObject({
        roles: ['user'],
        targets: [],
        message: expect.stringMatching(/^You may not lock/),
      });
      expect(failed).toMatchObject({
        message: `lock of service ${serviceId} failed at 1 of 1 target: "Door lock" (${lockHook.id}): HTTP 503 Service Unavailable`,
        targets: [{ hook_id: lockHook.id, ok: false, status: 503, error: 'HTTP 503 Service Unavailable' }],
      });
      expect(Date.parse(failed.at)).toBeGreaterThanOrEqual(Date.parse(unlocked.at));

      const page1 = await call(app, 'GET', `/v1/interlocks/${serviceId}/audit?limit=3`, { token: admin });
      const cursor = (page1.body as Json).next_cursor;
      expect((page1.body as Json).entries).toHaveLength(3);
      expect(cursor).toEqual(expect.any(String));
      const page2 = await call(app, 'GET', `/v1/interlocks/${serviceId}/audit?limit=3&cursor=${cursor}`, {
        token: admin,
      });
      expect((page2.body as Json).entries).toEqual([unlocked]);
      const bad = await call(app, 'GET', `/v1/interlocks/${serviceId}/audit?cursor=junk`, { token: admin });
      expect(bad.status).toBe(422);

      for (const token of [staff, user]) {
        const refused = await call(app, 'GET', `/v1/interlocks/${serviceId}/audit`, { token });
        expect(refused.status).toBe(403);
        expect(message(refused)).toBe('The interlock audit trail is for admin only');
      }

      // The device password reached the device, and nothing else: not the answers, the audit or the logs.
      expect(d.requests[0]!.headers.authorization).toBe(
        `Basic ${Buffer.from('lab:audit-secret-pw').toString('base64')}`,
      );
      const seen = [...responses.map((r) => r.text), trail.text, output.text()].join('\n');
      expect(output.text()).toContain('Interlock call succeeded');
      expect(seen).not.toContain('audit-secret-pw');
      expect(seen).not.toContain(Buffer.from('lab:audit-secret-pw').toString('base64'));
    });
  });
});
