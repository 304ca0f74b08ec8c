import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type Received, type Receiver, startReceiver } from '../support/receiver.ts';
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
 * Delivery control against the emulator with real receivers: ordered hooks (SQS FIFO), the rate
 * limit measured at the receiver, dead letters by tenant, recovery, stacked secret rotations.
 * One retry, 3 s after the first attempt (DELIVERY_RETRY_SCHEDULE_SECONDS=3): long enough that
 * "went while the other waited" cannot be a race, short enough to keep the file fast.
 */
describe('delivery control', () => {
  let app: LocalApp;
  let receiver: Receiver;
  beforeAll(async () => {
    app = await startTestApp({ DELIVERY_RETRY_SCHEDULE_SECONDS: '3' });
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
    return { tenant, token: await tokenFor(tenant, ['admin'], `op-${tenant}`) };
  }

  const hook = (token: string, path: string, body: Json = {}) =>
    receiverHook(app, token, receiver.url, path, body);

  async function publish(token: string, data: Json): Promise<Json> {
    const res = await call(app, 'POST', '/v1/events', { token, body: { type: 'order.created', data } });
    expect(res.status, res.text).toBe(202);
    return res.body as Json;
  }

  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  const arrived = (path: string, n: number) =>
    eventually(() => (at(path).length >= n ? at(path) : undefined), 20_000);
  const orderIds = (requests: Received[]) => requests.map((r) => r.json?.order_id);

  async function deadLettersOf(token: string, query = ''): Promise<Json[]> {
    const res = await call(app, 'GET', `/v1/dead-letters${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return (res.body as Json).dead_letters;
  }

  describe('ordered hooks', () => {
    it('holds the second delivery until the first succeeded, while other hooks flow', async () => {
      const { token } = await setup();
      await hook(token, '/ordered', { ordering: 'hook' });
      await hook(token, '/other-ordered', { ordering: 'hook' });
      await hook(token, '/unordered');
      let failedOnce = false;
      receiver.route = (r) => {
        if (r.path !== '/ordered' || failedOnce) return undefined;
        failedOnce = true;
        return { status: 500, body: 'not yet' };
      };
      await publish(token, { order_id: 'o-1' });
      await publish(token, { order_id: 'o-2' });

      const ordered = await arrived('/ordered', 3);
      expect(orderIds(ordered)).toEqual(['o-1', 'o-1', 'o-2']);
      expect(ordered[0]!.headers['webhook-id']).toBe(ordered[1]!.headers['webhook-id']);
      // Neither the other ordered hook nor the unordered one waited for o-1's retry.
      const retry = ordered[1]!;
      for (const path of ['/other-ordered', '/unordered']) {
        const got = await arrived(path, 2);
        expect(orderIds(got).sort()).toEqual(['o-1', 'o-2']);
        expect(got.every((r) => r.at < retry.at)).toBe(true);
      }
      expect(orderIds(at('/other-ordered'))).toEqual(['o-1', 'o-2']);
    });

    it('holds only the key that failed on a key-ordered hook', async () => {
      const { token } = await setup();
      const h = await hook(token, '/by-order', { ordering: 'key', ordering_key: 'order_id' });
      expect(h).toMatchObject({ ordering: 'key', ordering_key: 'order_id' });
      let failedOnce = false;
      receiver.route = (r) => {
        if (r.json?.order_id !== 'o-1' || failedOnce) return undefined;
        failedOnce = true;
        return { status: 503 };
      };
      await publish(token, { order_id: 'o-1', step: 1 });
      await publish(token, { order_id: 'o-2', step: 1 });
      await publish(token, { order_id: 'o-1', step: 2 });

      const got = await arrived('/by-order', 4);
      const o1 = got.filter((r) => r.json?.order_id === 'o-1');
      expect(o1.map((r) => r.json?.step)).toEqual([1, 1, 2]);
      const o2 = got.find((r) => r.json?.order_id === 'o-2')!;
      expect(o2.at).toBeLessThan(o1[1]!.at); // o-2 went while o-1 waited for its retry
    });

    it('releases the group when a delivery is dead-lettered, and the dead letter names what followed it', async () => {
      const { token } = await setup();
      const h = await hook(token, '/ordered-dl', { ordering: 'hook' });
      receiver.route = (r) => (r.json?.order_id === 'o-1' ? { status: 422, body: 'never' } : undefined);
      await publish(token, { order_id: 'o-1' });
      await publish(token, { order_id: 'o-2' });
      await publish(token, { order_id: 'o-3' });
      const got = await arrived('/ordered-dl', 3);
      expect(orderIds(got)).toEqual(['o-1', 'o-2', 'o-3']);
      const letter = await eventually(async () => {
        const [l] = await deadLettersOf(token, `?hook_id=${h.id}`);
        return l?.followed_by.length === 2 ? l : undefined;
      });
      expect(letter).toMatchObject({
        ordering_group: h.id,
        reason: 'HTTP 422 Unprocessable Entity: not retried',
        followed_by: [got[1]!.headers['webhook-id'], got[2]!.headers['webhook-id']],
      });
      // Re-driven and delivered: the group has no dead letter left to report followers on.
      receiver.route = undefined;
      const redrive = await call(app, 'POST', '/v1/dead-letters/redrive', {
        token,
        body: { ids: [letter.id] },
      });
      expect(redrive.body).toMatchObject({ redriven: 1 });
      await publish(token, { order_id: 'o-4' });
      const after = await arrived('/ordered-dl', 5);
      expect(orderIds(after.slice(3))).toEqual(['o-1', 'o-4']);
      expect(await deadLettersOf(token, `?hook_id=${h.id}`)).toEqual([]);
    });

    it('refuses an ordering key without key ordering, and key ordering without a key', async () => {
      const { token } = await setup();
      const res = await call(app, 'POST', '/v1/hooks', {
        token,
        body: { name: 'x', events: ['order.created'], url: 'https://example.org', ordering: 'key' },
      });
      expect(res.status).toBe(422);
      expect((res.body as Json).errors).toEqual([
        { field: 'ordering_key', message: expect.stringContaining('is required when ordering is "key"') },
      ]);
      const stray = await call(app, 'POST', '/v1/hooks', {
        token,
        body: {
          name: 'x',
          events: ['order.created'],
          url: 'https://example.org',
          ordering_key: 'order_id',
          ordering: 'sometimes',
          rate_limit_per_second: 0,
        },
      });
      expect(stray.status).toBe(422);
      expect((stray.body as Json).errors.map((e: Json) => e.field).sort()).toEqual([
        'ordering',
        'rate_limit_per_second',
      ]);
    });
  });

  it('never exceeds a hook’s rate limit over a burst, and a held delivery is not an attempt', async () => {
    const { token } = await setup();
    const h = await hook(token, '/limited', { rate_limit_per_second: 3 });
    expect(h.rate_limit_per_second).toBe(3);
    const burst = 9;
    await Promise.all(Array.from({ length: burst }, (_, i) => publish(token, { order_id: `o-${i}` })));
    const got = await arrived('/limited', burst);
    const times = got.map((r) => r.at).sort((a, b) => a - b);
    const maxInAnySecond = Math.max(
      ...times.map((t, i) => times.filter((u, j) => j >= i && u < t + 1000).length),
    );
    expect(maxInAnySecond).toBeLessThanOrEqual(3);
    expect(new Set(got.map((r) => r.json?.order_id)).size).toBe(burst);
    const log = await call(app, 'GET', `/v1/hooks/${h.id}/deliveries?limit=100`, { token });
    const attempts = (log.body as Json).attempts as Json[];
    expect(attempts).toHaveLength(burst);
    expect(attempts.every((a) => a.attempt === 1 && a.result === 'succeeded')).toBe(true);
  });

  it('lists and re-drives dead letters per tenant, leaving another tenant’s untouched', async () => {
    const { token } = await setup();
    const other = newTenant();
    const otherToken = await tokenFor(other, ['admin']);
    receiver.route = (r) => (r.json?.redriven ? undefined : { status: 400, body: 'rejected' });
    const mine = await hook(token, '/mine');
    const theirs = await hook(otherToken, '/theirs');
    await publish(token, { order_id: 'o-1' });
    await publish(token, { order_id: 'o-2' });
    await publish(otherToken, { order_id: 'o-9' });
    const letters = await eventually(async () => {
      const l = await deadLettersOf(token);
      return l.length === 2 ? l : undefined;
    });
    expect(letters[0]).toMatchObject({
      hook_id: mine.id,
      reason: 'HTTP 400 Bad Request: not retried',
      attempts: 1,
      delivery_id: expect.stringMatching(/^msg_/),
      ordering_group: null,
      followed_by: [],
    });
    expect(letters.map((l) => l.data.order_id).sort()).toEqual(['o-1', 'o-2']);
    const theirLetters = await eventually(async () => {
      const l = await deadLettersOf(otherToken, `?hook_id=${theirs.id}`);
      return l.length === 1 ? l : undefined;
    });
    // Another tenant's hook is a 404; a page cursor is one tenant's own.
    expect((await call(app, 'GET', `/v1/dead-letters?hook_id=${theirs.id}`, { token })).status).toBe(404);
    const page = await call(app, 'GET', '/v1/dead-letters?limit=1', { token });
    expect((page.body as Json).dead_letters).toHaveLength(1);
    const cursor = (page.body as Json).next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const next = await call(app, 'GET', `/v1/dead-letters?limit=1&cursor=${cursor}`, { token });
    expect((next.body as Json).dead_letters[0].id).not.toBe((page.body as Json).dead_letters[0].id);
    const forged = await call(app, 'GET', `/v1/dead-letters?limit=1&cursor=${cursor}`, { token: otherToken });
    expect(forged.status).toBe(422);

    receiver.route = undefined;
    const o1 = letters.find((l) => l.data.order_id === 'o-1')!;
    const redrive = await call(app, 'POST', '/v1/dead-letters/redrive', {
      token,
      body: { ids: [o1.id, theirLetters[0]!.id] },
    });
    expect(redrive.status).toBe(202);
    expect(redrive.body).toEqual({ redriven: 1, not_found: [theirLetters[0]!.id], more: false });
    const again = await arrived('/mine', 3);
    const resent = again[2]!;
    expect(resent.json?.order_id).toBe('o-1');
    expect(resent.headers['webhook-id']).toBe(o1.delivery_id);
    expect((await deadLettersOf(token)).map((l) => l.data.order_id)).toEqual(['o-2']);
    expect(await deadLettersOf(otherToken)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(at('/theirs')).toHaveLength(1);

    const bad = await call(app, 'POST', '/v1/dead-letters/redrive', { token, body: { ids: [], max: 3 } });
    expect(bad.status).toBe(422);
    expect((bad.body as Json).errors.map((e: Json) => e.field).sort()).toEqual(['(body)', 'ids']);
  });

  it('recovers exactly the deliveries that failed since a time, each with its webhook-id', async () => {
    const { token } = await setup();
    const h = await hook(token, '/recover');
    const failing = new Set(['o-0', 'o-1', 'o-2']);
    receiver.route = (r) => (failing.has(r.json?.order_id as string) ? { status: 400 } : undefined);
    await publish(token, { order_id: 'o-0' });
    await eventually(async () => ((await deadLettersOf(token)).length === 1 ? true : undefined));
    const since = new Date().toISOString();
    await publish(token, { order_id: 'o-1' });
    await publish(token, { order_id: 'o-2' });
    await publish(token, { order_id: 'o-3' });
    await eventually(async () => ((await deadLettersOf(token)).length === 3 ? true : undefined));
    await arrived('/recover', 4);
    const firstIds = new Map(at('/recover').map((r) => [r.json?.order_id, r.headers['webhook-id']]));

    failing.clear();
    const res = await call(app, 'POST', `/v1/hooks/${h.id}/recover`, { token, body: { since } });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ hook_id: h.id, since, recovered: 2 });
    const got = await arrived('/recover', 6);
    const resent = got.slice(4);
    expect(orderIds(resent).sort()).toEqual(['o-1', 'o-2']);
    for (const r of resent) expect(r.headers['webhook-id']).toBe(firstIds.get(r.json?.order_id));
    expect((await deadLettersOf(token)).map((l) => l.data.order_id)).toEqual(['o-0']);

    const bad = await call(app, 'POST', `/v1/hooks/${h.id}/recover`, {
      token,
      body: { since: 'yesterday', until: '2020-01-01T00:00:00Z' },
    });
    expect(bad.status).toBe(422);
    expect((bad.body as Json).errors[0]).toMatchObject({ field: 'since' });
    const backwards = await call(app, 'POST', `/v1/hooks/${h.id}/recover`, {
      token,
      body: { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' },
    });
    expect((backwards.body as Json).errors).toEqual([{ field: 'until', message: 'must be after since' }]);
    const unknown = await call(app, 'POST', '/v1/hooks/hk_nope/recover', { token, body: { since } });
    expect(unknown.status).toBe(404);
  });

  it('keeps every secret rotated within the overlap verifying until its own overlap ends', async () => {
    const { token } = await setup();
    const secrets = [
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
      'whsec_ZWFzdGVyIGVnZyBmb3IgdGhlIHRlc3Q0MjQy',
    ];
    const h = await hook(token, '/rotated', { signing: { secret: secrets[0] } });
    for (const secret of secrets.slice(1)) {
      const res = await call(app, 'PATCH', `/v1/hooks/${h.id}`, { token, body: { signing: { secret } } });
      expect(res.status, res.text).toBe(200);
      expect((res.body as Json).signing.previous_secret_valid_until).toEqual(expect.any(String));
    }
    await publish(token, { order_id: 'o-1' });
    const [req] = await arrived('/rotated', 1);
    expect(req!.headers['webhook-signature']!.split(' ')).toHaveLength(3);
    for (const secret of secrets) {
      expect(new Webhook(secret).verify(req!.body, req!.headers)).toMatchObject({ order_id: 'o-1' });
    }
    // A rotation with no overlap drops the replaced secret at once; the earlier ones keep theirs.
    const fourth = 'whsec_Zm91cnRoIHNlY3JldCBmb3IgdGhlIHRlc3Q=';
    await call(app, 'PATCH', `/v1/hooks/${h.id}`, {
      token,
      body: { signing: { secret: fourth, overlap_seconds: 0 } },
    });
    await publish(token, { order_id: 'o-2' });
    const [, second] = await arrived('/rotated', 2);
    expect(second!.headers['webhook-signature']!.split(' ')).toHaveLength(3);
    for (const secret of [fourth, secrets[0]!, secrets[1]!]) {
      expect(() => new Webhook(secret).verify(second!.body, second!.headers)).not.toThrow();
    }
    expect(() => new Webhook(secrets[2]!).verify(second!.body, second!.headers)).toThrow();
  });
});
