import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApp, startLocalApp } from '../../scripts/local/app.ts';
import { type PlainInterlock, startPlainInterlock } from '../../scripts/local/deviceServers.ts';
import { captureOutput, tableItems } from '../support/inspect.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, eventually, type Json, newTenant, tokenFor } from '../support/testApp.ts';

/**
 * Latchkey plays PlaceOS for a Rhombus security system (seeds/placeos-rhombus-door-webhooks.md):
 * an admin creates a trigger URL, Rhombus calls it with no token (subscribe, list doors, unlock,
 * unsubscribe), door events reach Rhombus's webhook as the seed's body. Local mode's own request
 * log and every log line of the handlers are captured to prove no secret reaches a log.
 */
describe('PlaceOS/Rhombus trigger URLs', () => {
  let app: LocalApp;
  let rhombus: Receiver;
  const apiLog: string[] = [];
  let output: ReturnType<typeof captureOutput>;
  const devices: PlainInterlock[] = [];

  beforeAll(async () => {
    output = captureOutput();
    app = await startLocalApp({
      port: 0,
      emulatorEndpoint: inject('emulatorEndpoint'),
      env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
      log: (line) => apiLog.push(line),
    });
    rhombus = await startReceiver();
  });
  afterAll(async () => {
    output?.stop();
    await rhombus?.close();
    await app?.stop();
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });

  async function device(): Promise<PlainInterlock> {
    const d = await startPlainInterlock();
    devices.push(d);
    return d;
  }

  /** A tenant with an admin, and a trigger: the answer to `POST /v1/triggers`. */
  async function trigger(name = 'Rhombus') {
    const tenant = newTenant('door');
    const admin = await tokenFor(tenant, ['admin'], 'ada');
    const res = await call(app, 'POST', '/v1/triggers', { token: admin, body: { name } });
    expect(res.status, res.text).toBe(201);
    return { tenant, admin, created: res.body as Json };
  }

  /** The trigger URL called as Rhombus does: no token, the secret in the URL. */
  function rhombusCall(url: string, method: string, body?: unknown) {
    const target = new URL(url);
    return call(app, method, `${target.pathname}${target.search}`, body === undefined ? {} : { body });
  }

  const secretOf = (created: Json) => new URL(created.notify_url as string).searchParams.get('secret')!;

  it('plays Rhombus end to end with both URL forms', async () => {
    const { tenant, admin, created } = await trigger();
    expect(created).toEqual({
      id: expect.stringMatching(/^trg_[0-9a-f]{20}$/),
      name: 'Rhombus',
      notify_url: expect.stringMatching(
        /^http:\/\/127\.0\.0\.1:\d+\/v1\/triggers\/trg_\w+\/notify\?secret=[\w-]{43}$/,
      ),
      notify_path_url: expect.stringMatching(/\/v1\/triggers\/trg_\w+\/notify\/[\w-]{43}$/),
      created_at: expect.any(String),
      secret_issued_at: expect.any(String),
    });
    const secret = secretOf(created);
    expect(created.notify_path_url).toBe(`${app.url}/v1/triggers/${created.id}/notify/${secret}`);
    // The seed's forms: extra query parameters, extra path segments after the secret.
    const queryForm = `${created.notify_url}&exec=true&mod=Rhombus&method=request`;
    const pathForm = `${created.notify_path_url}/Rhombus/1/request`;

    // Doors: a lobby door with an unlock target, a side door without, a door whose target fails.
    const staff = await tokenFor(tenant, ['staff'], 'sam');
    const lobby = await device();
    const broken = await device();
    broken.set({ statusCode: 503 });
    for (const [id, name] of [
      ['lobby-1', 'Lobby Entrance'],
      ['side-2', 'Side door'],
      ['cellar-3', 'Cellar'],
    ]) {
      const put = await call(app, 'PUT', `/v1/services/${id}`, {
        token: staff,
        body: { name, tags: ['door'] },
      });
      expect(put.status, put.text).toBe(200);
    }
    await call(app, 'PUT', '/v1/services/nmr-600', {
      token: staff,
      body: { name: 'NMR', tags: ['has_interlock'] },
    });
    for (const [scope, url] of [
      ['lobby-1', `${lobby.url}/unlock`],
      ['cellar-3', `${broken.url}/unlock`],
    ]) {
      const hook = await call(app, 'POST', '/v1/hooks', {
        token: staff,
        body: { name: `${scope} unlock`, events: ['interlock.unlock'], scope, url },
      });
      expect(hook.status, hook.text).toBe(201);
    }

    // Subscribe with a secret (query form) → 201.
    const signedUrl = `${rhombus.url}/external/placeOsWebhook/SIGNED-${tenant}`;
    const sub = await rhombusCall(queryForm, 'POST', { webhook: signedUrl, secret: '123456' });
    expect(sub.status, sub.text).toBe(201);
    expect(sub.body).toEqual({ webhook: signedUrl, signed: true });

    // List doors (path form) → the seed's bare array; description is the service's name.
    const doors = await rhombusCall(pathForm, 'GET');
    expect(doors.status, doors.text).toBe(200);
    expect(doors.body).toEqual([
      { door_id: 'cellar-3', description: 'Cellar' },
      { door_id: 'lobby-1', description: 'Lobby Entrance' },
      { door_id: 'side-2', description: 'Side door' },
    ]);

    // Unlock: 200; no unlock target: 501; a failing target: 403; an unknown door: 403.
    const unlocked = await rhombusCall(pathForm, 'PUT', { door_id: 'lobby-1' });
    expect(unlocked.status, unlocked.text).toBe(200);
    expect(unlocked.body).toEqual({ door_id: 'lobby-1', unlocked: true });
    expect(lobby.state.locked).toBe(false);
    expect(JSON.parse(lobby.requests[0]!.body)).toMatchObject({
      service_id: 'lobby-1',
      action: 'unlock',
      user_id: `trigger:${created.id}`,
    });
    const unsupported = await rhombusCall(queryForm, 'PUT', { door_id: 'side-2' });
    expect(unsupported.status, unsupported.text).toBe(501);
    const failed = await rhombusCall(queryForm, 'PUT', { door_id: 'cellar-3' });
    expect(failed.status, failed.text).toBe(403);
    expect((failed.body as Json).message).toContain('HTTP 503');
    expect((await rhombusCall(queryForm, 'PUT', { door_id: 'nmr-600' })).status).toBe(403);

    // The unlocks are in the door's audit trail with the trigger as the actor.
    const audit = await call(app, 'GET', '/v1/interlocks/lobby-1/audit', { token: admin });
    expect(audit.status, audit.text).toBe(200);
    expect((audit.body as Json).entries[0]).toMatchObject({
      who: `trigger:${created.id}`,
      action: 'unlock',
      result: 'ok',
      http_status: 200,
    });
    const cellarAudit = await call(app, 'GET', '/v1/interlocks/cellar-3/audit', { token: admin });
    expect((cellarAudit.body as Json).entries[0]).toMatchObject({ result: 'error', http_status: 403 });

    // A door event reaches the signed subscription as the seed's body; the signature verifies.
    const granted = await call(app, 'POST', '/v1/events', {
      token: staff,
      body: {
        type: 'door.granted',
        scope: 'lobby-1',
        data: { card_id: '123456', user_name: 'Steve Place', user_email: 'steve@place.org' },
      },
    });
    expect(granted.status, granted.text).toBe(202);
    const signedPath = new URL(signedUrl).pathname;
    const [signed] = await eventually(() => {
      const got = rhombus.received.filter((r) => r.path === signedPath);
      return got.length > 0 ? got : undefined;
    });
    const body = signed!.json!;
    expect(Object.keys(body).sort()).toEqual(
      ['action', 'card_id', 'door_id', 'signature', 'timestamp', 'user_email', 'user_name'].sort(),
    );
    expect(body).toMatchObject({
      door_id: 'lobby-1',
      action: 'granted',
      card_id: '123456',
      user_name: 'Steve Place',
      user_email: 'steve@place.org',
    });
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.signature).toBe(createHmac('sha256', '123456').update(String(body.timestamp)).digest('hex'));

    // A second URL without a secret (path form) gets an unsigned event.
    const plainUrl = `${rhombus.url}/external/placeOsWebhook/PLAIN-${tenant}`;
    const plain = await rhombusCall(pathForm, 'POST', { webhook: plainUrl });
    expect(plain.status, plain.text).toBe(201);
    expect(plain.body).toEqual({ webhook: plainUrl, signed: false });
    const view = await call(app, 'GET', `/v1/triggers/${created.id}`, { token: admin });
    expect(view.status, view.text).toBe(200);
    expect((view.body as Json).subscriptions).toEqual([
      expect.objectContaining({ webhook: signedUrl, signed: true }),
      expect.objectContaining({ webhook: plainUrl, signed: false }),
    ]);
    expect(view.text).not.toContain(secret);

    await call(app, 'POST', '/v1/events', {
      token: staff,
      body: { type: 'door.tamper', data: { door_id: 'side-2' } },
    });
    const plainPath = new URL(plainUrl).pathname;
    const [unsigned] = await eventually(() => {
      const got = rhombus.received.filter((r) => r.path === plainPath);
      return got.length > 0 ? got : undefined;
    });
    expect(unsigned!.json).toEqual({ door_id: 'side-2', action: 'tamper', timestamp: expect.any(String) });
    const tamperSigned = await eventually(() =>
      rhombus.received.find((r) => r.path === signedPath && r.json?.action === 'tamper'),
    );
    expect(tamperSigned.json!.signature).toEqual(expect.any(String));

    // Unsubscribe (202); the same again is 404; nothing arrives after.
    const gone = await rhombusCall(queryForm, 'DELETE', { webhook: plainUrl });
    expect(gone.status, gone.text).toBe(202);
    expect((await rhombusCall(pathForm, 'DELETE', { webhook: plainUrl })).status).toBe(404);
    const before = rhombus.received.filter((r) => r.path === plainPath).length;
    const last = await call(app, 'POST', '/v1/events', {
      token: staff,
      body: { type: 'door.denied', scope: 'lobby-1', data: { card_id: 42 } },
    });
    expect((last.body as Json).deliveries).toBe(1);
    const denied = await eventually(() =>
      rhombus.received.find((r) => r.path === signedPath && r.json?.action === 'denied'),
    );
    expect(denied.json).toMatchObject({ door_id: 'lobby-1', card_id: '42' });
    expect(rhombus.received.filter((r) => r.path === plainPath)).toHaveLength(before);

    // A wrong secret: 401, in both forms, and the same body as for a trigger that does not exist.
    const wrong = 'WRONGSECRET-d0e5f1a2b3c4';
    const base = `/v1/triggers/${created.id}/notify`;
    const byQuery = await call(app, 'GET', `${base}?secret=${wrong}&exec=true`);
    const byPath = await call(app, 'PUT', `${base}/${wrong}/Rhombus/1/request`, {
      body: { door_id: 'lobby-1' },
    });
    const missing = await call(app, 'GET', base);
    const unknown = await call(app, 'GET', `/v1/triggers/trg_00000000000000000000/notify/${wrong}`);
    const badJson = await call(app, 'POST', `${base}/${wrong}`, { rawBody: '{not json' });
    for (const res of [byQuery, byPath, missing, unknown, badJson]) {
      expect(res.status, res.text).toBe(401);
      expect(res.text).toBe(unknown.text);
    }
    expect(lobby.requests).toHaveLength(1);
    // A malformed percent-encoding is the caller's error, never a 500.
    expect((await call(app, 'GET', `${base}/%zz${wrong}`)).status).toBe(400);

    // No secret in any log line (the handlers' logs and local mode's request log), in the table,
    // or in the subscription's stored hook.
    const logs = `${output.text()}\n${apiLog.join('\n')}`;
    expect(apiLog.some((l) => l.includes('/notify/{proxy+} 401'))).toBe(true);
    for (const s of [wrong, secret, '123456']) expect(logs).not.toContain(s);
    const items = JSON.stringify(await tableItems(app));
    for (const s of [wrong, secret, '123456']) expect(items).not.toContain(s);
  });

  it('replaces a subscription posted again, rotates and deletes triggers (admin only)', async () => {
    const { tenant, admin, created } = await trigger('Front desk');
    const url = created.notify_url as string;
    const webhook = `${rhombus.url}/again-${tenant}`;
    // Rhombus retrying a subscribe at once: still one subscription, one hook.
    const racing = await Promise.all(
      ['first', 'first', 'first'].map((secret) => rhombusCall(url, 'POST', { webhook, secret })),
    );
    expect(racing.map((r) => r.status)).toEqual([201, 201, 201]);
    expect((await rhombusCall(url, 'POST', { webhook, secret: 'second' })).status).toBe(201);
    const view = (await call(app, 'GET', `/v1/triggers/${created.id}`, { token: admin })).body as Json;
    expect(view.subscriptions).toHaveLength(1);
    const hooks = (await call(app, 'GET', '/v1/hooks', { token: admin })).body as Json;
    expect(hooks.hooks).toEqual([
      expect.objectContaining({ id: view.subscriptions[0].hook_id, trigger_id: created.id, url: webhook }),
    ]);
    const staff = await tokenFor(tenant, ['staff']);
    const event = await call(app, 'POST', '/v1/events', {
      token: staff,
      body: { type: 'door.duress', data: { door_id: 'd-1' } },
    });
    expect((event.body as Json).deliveries).toBe(1);
    const got = await eventually(() => rhombus.received.find((r) => r.path === `/again-${tenant}`));
    expect(got.json!.action).toBe('duress');
    expect(got.json!.signature).toBe(
      createHmac('sha256', 'second').update(String(got.json!.timestamp)).digest('hex'),
    );
    expect(got.json).not.toHaveProperty('signature_previous');

    // Bad bodies: 422 naming the field.
    const bad = await rhombusCall(url, 'POST', { webhook: 'ftp://x', secret: '' });
    expect(bad.status, bad.text).toBe(422);
    expect((bad.body as Json).errors.map((e: Json) => e.field).sort()).toEqual(['secret', 'webhook']);
    expect((await rhombusCall(url, 'PUT', {})).status).toBe(422);
    expect((await rhombusCall(url, 'DELETE', { webhook: 'not a url' })).status).toBe(422);

    // Only admins manage triggers; the list shows no secret.
    const list = await call(app, 'GET', '/v1/triggers', { token: admin });
    expect(list.status).toBe(200);
    expect((list.body as Json).triggers).toEqual([
      expect.objectContaining({ id: created.id, name: 'Front desk' }),
    ]);
    expect(list.text).not.toContain(secretOf(created));
    expect((await call(app, 'GET', '/v1/triggers', { token: staff })).status).toBe(403);
    expect((await call(app, 'POST', '/v1/triggers', { token: staff, body: { name: 'x' } })).status).toBe(403);
    expect((await call(app, 'POST', '/v1/triggers', { body: { name: 'x' } })).status).toBe(401);
    const otherTenant = await tokenFor(newTenant(), ['admin']);
    expect((await call(app, 'GET', `/v1/triggers/${created.id}`, { token: otherTenant })).status).toBe(404);

    // Rotate: the old secret stops working at once, the new one works.
    const rotated = await call(app, 'POST', `/v1/triggers/${created.id}/rotate`, { token: admin });
    expect(rotated.status, rotated.text).toBe(200);
    expect(secretOf(rotated.body as Json)).not.toBe(secretOf(created));
    expect((await rhombusCall(url, 'GET')).status).toBe(401);
    expect((await rhombusCall((rotated.body as Json).notify_path_url, 'GET')).status).toBe(200);

    // Delete: the trigger URL is gone (401) and its subscription no longer receives events.
    expect((await call(app, 'DELETE', `/v1/triggers/${created.id}`, { token: admin })).status).toBe(204);
    expect((await rhombusCall((rotated.body as Json).notify_url, 'GET')).status).toBe(401);
    const after = await call(app, 'POST', '/v1/events', {
      token: staff,
      body: { type: 'door.duress', data: { door_id: 'd-1' } },
    });
    expect((after.body as Json).deliveries).toBe(0);
  });

  it('refuses a door event without a door', async () => {
    const tenant = newTenant();
    const staff = await tokenFor(tenant, ['staff']);
    const res = await call(app, 'POST', '/v1/events', {
      token: staff,
      body: { type: 'door.granted', data: {} },
    });
    expect(res.status, res.text).toBe(422);
    expect((res.body as Json).errors).toEqual([
      { field: 'data.door_id', message: expect.stringContaining('scope') },
    ]);
  });

  /** A request from another loopback address, so this source's counter is its own. */
  function fromSource(
    localAddress: string,
    path: string,
  ): Promise<{ status: number; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = request(`${app.url}${path}`, { method: 'GET', localAddress }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('throttles repeated wrong secrets from one source (429), counted across instances in DynamoDB', async () => {
    const { created } = await trigger();
    const base = `/v1/triggers/${created.id}/notify`;
    const source = '127.0.0.77';
    for (let i = 0; i < 10; i++)
      expect((await fromSource(source, `${base}?secret=guess-${i}`)).status).toBe(401);
    const throttledCall = await fromSource(source, `${base}?secret=guess-10`);
    expect(throttledCall.status).toBe(429);
    expect(Number(throttledCall.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right secret is refused from that source for the rest of the window ...
    expect((await fromSource(source, `${base}?secret=${secretOf(created)}`)).status).toBe(429);
    // ... while another source is unaffected.
    expect((await fromSource('127.0.0.78', `${base}?secret=${secretOf(created)}`)).status).toBe(200);
    const counters = (await tableItems(app)).filter((i) => String(i.pk) === `THROTTLE#${source}`);
    expect(counters).toEqual([expect.objectContaining({ count: 10, expiresAt: expect.any(Number) })]);
  });
});
