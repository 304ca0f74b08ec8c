import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import {
  call,
  eventually,
  type Json,
  newTenant,
  receiverHook,
  startTestApp,
  tokenFor,
} from '../support/testApp.ts';

/**
 * The circuit breaker with its window shortened by configuration: DISABLE_AFTER_HOURS=0.0005
 * (1.8 s) and retries every second, so a receiver that keeps failing trips it within a few
 * attempts. A 410 trips it at once.
 */
describe('circuit breaker', () => {
  let app: LocalApp;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startTestApp({ DELIVERY_RETRY_SCHEDULE_SECONDS: '1,1,1,1,1', DISABLE_AFTER_HOURS: '0.0005' });
  });
  afterAll(async () => {
    await app?.stop();
  });
  afterEach(async () => {
    await receiver?.close();
  });

  async function setup() {
    const tenant = newTenant();
    receiver = await startReceiver();
    const token = await tokenFor(tenant, ['admin'], `op-${tenant}`);
    const watcher = await hook(token, '/watcher', { events: ['hook.disabled'] });
    return { tenant, token, watcher };
  }

  const hook = (token: string, path: string, body: Json = {}) =>
    receiverHook(app, token, receiver.url, path, body);

  async function publish(token: string, data: Json, scope?: string): Promise<void> {
    const res = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.created', data, ...(scope ? { scope } : {}) },
    });
    expect(res.status, res.text).toBe(202);
  }

  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  const arrived = (path: string, n: number) =>
    eventually(() => (at(path).length >= n ? at(path) : undefined), 20_000);

  async function hookNow(token: string, id: string): Promise<Json> {
    return (await call(app, 'GET', `/v1/hooks/${id}`, { token })).body as Json;
  }

  it('disables a hook at once on 410 Gone and announces hook.disabled to the tenant’s listeners', async () => {
    const { token } = await setup();
    const gone = await hook(token, '/gone', { scope: 'svc-1' });
    receiver.route = (r) => (r.path === '/gone' ? { status: 410 } : undefined);
    await publish(token, { order_id: 'o-1' }, 'svc-1');

    const [announcement] = await arrived('/watcher', 1);
    expect(announcement!.json).toMatchObject({
      hook_id: gone.id,
      hook_name: '/gone',
      reason: expect.stringContaining('410 Gone'),
      disabled_at: expect.any(String),
    });
    expect(announcement!.headers['webhook-id']).toMatch(/^msg_/);
    const disabled = await hookNow(token, gone.id);
    expect(disabled).toMatchObject({
      enabled: false,
      disabled_reason: expect.stringContaining('410 Gone'),
      disabled_at: announcement!.json?.disabled_at,
    });
    expect(at('/gone')).toHaveLength(1);
    // Deliveries to a disabled hook are not even enqueued.
    const res = await call(app, 'POST', '/v1/events', {
      token,
      body: { type: 'order.created', scope: 'svc-1', data: { order_id: 'o-2' } },
    });
    expect((res.body as Json).hook_ids).not.toContain(gone.id);
  });

  it('disables a hook whose deliveries all failed for the window, then re-enabling resumes and recover re-sends', async () => {
    const { token } = await setup();
    const failing = await hook(token, '/failing');
    receiver.route = (r) => (r.path === '/failing' ? { status: 503 } : undefined);
    const since = new Date().toISOString();
    await publish(token, { order_id: 'o-1' });

    const [announcement] = await arrived('/watcher', 1);
    expect(announcement!.json).toMatchObject({
      hook_id: failing.id,
      reason: expect.stringMatching(
        /^every delivery has failed since .* \(\d+(\.\d)? s; the limit is 1\.8 s\)$/,
      ),
    });
    const disabled = await hookNow(token, failing.id);
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabled_reason).toBe(announcement!.json?.reason);
    // The delivery that was waiting for its retry is a dead letter now, recoverable.
    const letters = await eventually(async () => {
      const res = await call(app, 'GET', `/v1/dead-letters?hook_id=${failing.id}`, { token });
      const list = (res.body as Json).dead_letters as Json[];
      return list.length === 1 ? list : undefined;
    });
    expect(letters[0]!.reason).toMatch(/is disabled: every delivery has failed/);
    const attemptsBefore = at('/failing').length;
    expect(attemptsBefore).toBeGreaterThanOrEqual(2);

    const refused = await call(app, 'POST', `/v1/hooks/${failing.id}/recover`, { token, body: { since } });
    expect(refused.status).toBe(409);
    expect((refused.body as Json).message).toMatch(/enable it first/);

    receiver.route = undefined;
    const enabled = await call(app, 'PATCH', `/v1/hooks/${failing.id}`, { token, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
    await publish(token, { order_id: 'o-2' });
    const recover = await call(app, 'POST', `/v1/hooks/${failing.id}/recover`, { token, body: { since } });
    expect(recover.status).toBe(202);
    expect(recover.body).toMatchObject({ recovered: 1 });
    const got = await arrived('/failing', attemptsBefore + 2);
    const after = got.slice(attemptsBefore).map((r) => r.json?.order_id);
    expect(after.sort()).toEqual(['o-1', 'o-2']);
    const resent = got.slice(attemptsBefore).find((r) => r.json?.order_id === 'o-1')!;
    expect(resent.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
    expect((await hookNow(token, failing.id)).enabled).toBe(true);
  });

  it('keeps a hook that fails now and then but also succeeds', async () => {
    const { token } = await setup();
    const flaky = await hook(token, '/flaky');
    let n = 0;
    // Every other request fails: each success resets the breaker's clock.
    receiver.route = (r) => (r.path === '/flaky' && n++ % 2 === 0 ? { status: 500 } : undefined);
    for (let i = 0; i < 3; i++) await publish(token, { order_id: `o-${i}` });
    await arrived('/flaky', 6);
    await new Promise((r) => setTimeout(r, 500)); // an announcement, had there been one, arrives by now
    expect((await hookNow(token, flaky.id)).enabled).toBe(true);
    expect(at('/watcher')).toHaveLength(0);
  });
});
