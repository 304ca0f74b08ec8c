import { describe, expect, it } from 'vitest';
import {
  breakerAfter,
  DEFAULT_DISABLE_AFTER_HOURS,
  disableAfterMsFromEnv,
} from '../../shared/domain/circuitBreaker.ts';
import { deadLetterRecord, newDeadLetterId, redriveMessage } from '../../shared/domain/deadLetter.ts';
import type { DeliveryMessage } from '../../shared/domain/delivery.ts';
import { deliveriesFor } from '../../shared/domain/delivery.ts';
import { applyHookInput } from '../../shared/domain/hookInput.ts';
import { MISSING_KEY_GROUP, orderingGroupOf, runsInOrder } from '../../shared/domain/ordering.ts';
import { admit, RATE_GUARD_MS, RATE_WINDOW_MS, throttleDelaySeconds } from '../../shared/domain/rateLimit.ts';
import { previousSecretsInForce, rotateSigningSecret } from '../../shared/domain/signature.ts';

const now = new Date('2026-03-01T12:00:00Z');
const ctx = { id: 'hk_1', number: 1, tenant: 't', now };
const base = { name: 'x', events: ['order.created'], url: 'https://example.org/hook' };

describe('rate limit (sliding window)', () => {
  it('admits up to the limit within a window, then says how long until there is room', () => {
    let recent: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = admit(recent, 1000 + i * 10, 3);
      expect(a.admitted).toBe(true);
      if (a.admitted) recent = a.recent;
    }
    expect(admit(recent, 1100, 3)).toEqual({
      admitted: false,
      waitMs: 1000 + RATE_WINDOW_MS + RATE_GUARD_MS - 1100,
    });
    expect(admit(recent, 999 + RATE_WINDOW_MS + RATE_GUARD_MS, 3).admitted).toBe(false);
    const later = admit(recent, 1000 + RATE_WINDOW_MS + RATE_GUARD_MS, 3); // the wait said so
    expect(later.admitted).toBe(true);
    if (later.admitted) expect(later.recent).toHaveLength(3); // what fell out of the window is dropped
  });

  it('never lets more than the limit start in any one-second window', () => {
    let recent: number[] = [];
    const starts: number[] = [];
    for (let t = 0; t < 10_000; t += 7) {
      const a = admit(recent, t, 5);
      if (a.admitted) {
        recent = a.recent;
        starts.push(t);
      }
    }
    for (const t of starts)
      expect(starts.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
    expect(starts.length).toBeGreaterThan(40);
  });

  it('spreads held deliveries more the more often they were held, within bounds', () => {
    expect(throttleDelaySeconds(1, 0, () => 0.99)).toBe(1);
    expect(throttleDelaySeconds(1500, 0, () => 0)).toBe(2);
    expect(throttleDelaySeconds(200, 4, () => 0.99)).toBe(1 + 4);
    expect(throttleDelaySeconds(200, 500, () => 0.99)).toBe(1 + 30);
  });
});

describe('ordering', () => {
  const hook = (mode: 'none' | 'hook' | 'key', key?: string) => ({
    id: 'hk_a',
    ordering: { mode, ...(key ? { key } : {}) },
  });

  it('puts a hook-ordered hook in one group and a key-ordered one in a group per key value', () => {
    expect(orderingGroupOf(hook('none'), { order_id: 'o-1' })).toBeUndefined();
    expect(orderingGroupOf({ id: 'hk_a' }, { order_id: 'o-1' })).toBeUndefined();
    expect(orderingGroupOf(hook('hook'), { order_id: 'o-1' })).toBe('hk_a');
    const k1 = orderingGroupOf(hook('key', 'order_id'), { order_id: 'o-1' });
    expect(k1).toMatch(/^hk_a#[A-Za-z0-9_-]{22}$/);
    expect(orderingGroupOf(hook('key', 'order_id'), { order_id: 'o-1', other: 2 })).toBe(k1);
    expect(orderingGroupOf(hook('key', 'order_id'), { order_id: 'o-2' })).not.toBe(k1);
    expect(orderingGroupOf(hook('key', 'order_id'), { order_id: 42 })).not.toBe(
      orderingGroupOf(hook('key', 'order_id'), { order_id: '"42"' }),
    );
    expect(orderingGroupOf(hook('key', 'order_id'), {})).toBe(`hk_a#${MISSING_KEY_GROUP}`);
  });

  it('orders by the payload the hook gets, and only ordered hooks get a group', () => {
    const event = {
      id: 'evt_1',
      tenant: 't',
      type: 'order.created',
      data: { line_id: 'l-1' },
      receivedAt: now.toISOString(),
    };
    const [keyed, plain] = deliveriesFor(event, [
      { id: 'hk_k', ordering: { mode: 'key', key: 'site' }, data: { site: 'north' } },
      { id: 'hk_p', data: {} },
    ]);
    expect(keyed!.orderingGroup).toMatch(/^hk_k#/);
    expect(keyed!.orderingGroup).not.toBe(`hk_k#${MISSING_KEY_GROUP}`);
    expect(plain!.orderingGroup).toBeUndefined();
    expect(plain!.deliveryId).toBe('msg_1_p');
  });

  it('splits a batch into runs: one per group in batch order, every ungrouped item alone', () => {
    const items = [{ id: 1, g: 'a' }, { id: 2 }, { id: 3, g: 'b' }, { id: 4, g: 'a' }, { id: 5 }];
    expect(runsInOrder(items, (i) => i.g).map((run) => run.map((i) => i.id))).toEqual([
      [1, 4],
      [2],
      [3],
      [5],
    ]);
  });

  it('validates ordering and the rate limit on hooks, keeping them on PATCH', () => {
    expect(applyHookInput({ ...base, ordering: 'key' }, 'create', undefined, ctx)).toEqual([
      { field: 'ordering_key', message: expect.stringContaining('is required') },
    ]);
    expect(applyHookInput({ ...base, ordering_key: 'order_id' }, 'create', undefined, ctx)).toEqual([
      { field: 'ordering_key', message: 'is only used with "ordering": "key"' },
    ]);
    const created = applyHookInput(
      { ...base, ordering: 'key', ordering_key: 'order_id', rate_limit_per_second: 5 },
      'create',
      undefined,
      ctx,
    );
    if (Array.isArray(created)) throw new Error('expected a hook');
    expect(created.hook).toMatchObject({ ordering: { mode: 'key', key: 'order_id' }, rateLimitPerSecond: 5 });
    const patched = applyHookInput({ name: 'y' }, 'patch', created, ctx);
    if (Array.isArray(patched)) throw new Error('expected a hook');
    expect(patched.hook).toMatchObject({ ordering: { mode: 'key', key: 'order_id' }, rateLimitPerSecond: 5 });
    const cleared = applyHookInput({ ordering: 'hook', rate_limit_per_second: null }, 'patch', created, ctx);
    if (Array.isArray(cleared)) throw new Error('expected a hook');
    expect(cleared.hook.ordering).toEqual({ mode: 'hook' });
    expect(cleared.hook.rateLimitPerSecond).toBeUndefined();
  });
});

describe('circuit breaker', () => {
  const hour = 3_600_000;
  it('disables at once on 410, after the window of failures otherwise, and resets on success', () => {
    expect(breakerAfter({ succeeded: false, status: 410 }, undefined, now, hour)).toMatchObject({
      action: 'disable',
      reason: expect.stringContaining('410 Gone'),
    });
    expect(breakerAfter({ succeeded: false, status: 500 }, undefined, now, hour)).toEqual({
      action: 'start-failing',
      since: now.toISOString(),
    });
    const started = new Date(now.getTime() - hour + 1).toISOString();
    expect(breakerAfter({ succeeded: false }, started, now, hour)).toEqual({ action: 'none' });
    const longAgo = new Date(now.getTime() - 5 * 24 * hour).toISOString();
    expect(breakerAfter({ succeeded: false, status: 503 }, longAgo, now, 120 * hour)).toEqual({
      action: 'disable',
      reason: `every delivery has failed since ${longAgo} (120 h; the limit is 120 h)`,
    });
    expect(breakerAfter({ succeeded: true, status: 200 }, longAgo, now, hour)).toEqual({ action: 'clear' });
    expect(breakerAfter({ succeeded: true, status: 200 }, undefined, now, hour)).toEqual({ action: 'none' });
  });

  it('reads DISABLE_AFTER_HOURS: default 120, fractions allowed, nonsense refused by name', () => {
    expect(disableAfterMsFromEnv(undefined)).toBe(DEFAULT_DISABLE_AFTER_HOURS * hour);
    expect(disableAfterMsFromEnv('0.5')).toBe(hour / 2);
    expect(() => disableAfterMsFromEnv('-1')).toThrow(/DISABLE_AFTER_HOURS must be a positive number/);
    expect(() => disableAfterMsFromEnv('soon')).toThrow(/DISABLE_AFTER_HOURS/);
  });
});

describe('secret rotation overlaps', () => {
  const at = (s: number) => new Date(now.getTime() + s * 1000);
  it('keeps each replaced secret until its own overlap ends, across rotations', () => {
    const first = rotateSigningSecret([], 'A', 'B', 3600, now);
    expect(first).toEqual([{ secret: 'A', until: at(3600).toISOString() }]);
    const second = rotateSigningSecret(first, 'B', 'C', 600, at(60));
    expect(second.map((p) => p.secret)).toEqual(['A', 'B']); // newest expiry first: A until 3600, B until 660
    expect(
      previousSecretsInForce({ previousSigningSecrets: second }, undefined, at(700)).map((p) => p.secret),
    ).toEqual(['A']);
    expect(previousSecretsInForce({ previousSigningSecrets: second }, undefined, at(3600))).toEqual([]);
    // Rotating back to a previous secret does not list it as previous too.
    expect(rotateSigningSecret(second, 'C', 'A', 60, at(61)).map((p) => p.secret)).toEqual(['B', 'C']);
    expect(rotateSigningSecret(first, 'B', 'C', 0, at(1)).map((p) => p.secret)).toEqual(['A']);
  });

  it('still honours the single previous secret of hooks saved before', () => {
    expect(previousSecretsInForce({ previousSigningSecret: 'old' }, at(10).toISOString(), now)).toEqual([
      { secret: 'old', until: at(10).toISOString() },
    ]);
    expect(previousSecretsInForce({ previousSigningSecret: 'old' }, at(-1).toISOString(), now)).toEqual([]);
  });
});

describe('dead letters', () => {
  const message: DeliveryMessage = {
    v: 1,
    deliveryId: 'msg_1_a',
    tenant: 't',
    eventId: 'evt_1',
    hookId: 'hk_a',
    type: 'order.created',
    data: { order_id: 'o-1' },
    occurredAt: now.toISOString(),
    priorAttempts: 2,
    orderingGroup: 'hk_a',
  };
  it('sorts ids by time, and a redrive keeps the delivery id and carries the attempts over', () => {
    expect(newDeadLetterId(new Date(1000), () => 'ff') < newDeadLetterId(new Date(2000), () => '00')).toBe(
      true,
    );
    const letter = deadLetterRecord(message, 'HTTP 400 Bad Request: not retried', 5, now);
    expect(letter).toMatchObject({
      hookId: 'hk_a',
      orderingGroup: 'hk_a',
      attempts: 5,
      failedAt: now.toISOString(),
    });
    expect(redriveMessage(letter)).toEqual({ ...message, priorAttempts: 5 });
  });
});
