import { describe, expect, it } from 'vitest';
import {
  doorList,
  notifyUrls,
  presentedSecret,
  secretMatches,
  subscribeSchema,
  subscriptionHook,
  THROTTLE_WINDOW_SECONDS,
  throttled,
  throttleWindow,
  unlockSchema,
  WRONG_SECRET_LIMIT,
} from '#shared/domain/trigger.ts';

describe('trigger URL secrets', () => {
  it('reads the secret from the path form (extra segments ignored) or the query form (extra parameters ignored)', () => {
    expect(presentedSecret('s3cr3t/Rhombus/1/request', {})).toBe('s3cr3t');
    expect(presentedSecret('s3cr3t', { secret: 'other' })).toBe('s3cr3t');
    expect(presentedSecret(undefined, { secret: 's3cr3t', exec: 'true', mod: 'Rhombus' })).toBe('s3cr3t');
    expect(presentedSecret(undefined, {})).toBeUndefined();
    expect(presentedSecret('', {})).toBeUndefined();
  });

  it('matches only the exact secret, and never without a trigger', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    expect(secretMatches('abd', 'abc')).toBe(false);
    expect(secretMatches('abcd', 'abc')).toBe(false);
    expect(secretMatches(undefined, 'abc')).toBe(false);
    expect(secretMatches('', '')).toBe(false);
    expect(secretMatches('latchkey:no-trigger', undefined)).toBe(false);
    expect(secretMatches(undefined, undefined)).toBe(false);
  });

  it('builds both URL forms with the secret URL-encoded', () => {
    expect(notifyUrls('https://api.example/', 'trg_1', 'a b')).toEqual({
      notify_url: 'https://api.example/v1/triggers/trg_1/notify?secret=a%20b',
      notify_path_url: 'https://api.example/v1/triggers/trg_1/notify/a%20b',
    });
  });
});

describe('wrong-secret throttle', () => {
  it('allows WRONG_SECRET_LIMIT wrong secrets per window, then refuses', () => {
    expect(throttled(WRONG_SECRET_LIMIT - 1)).toBe(false);
    expect(throttled(WRONG_SECRET_LIMIT)).toBe(true);
  });

  it('uses fixed windows: retry after the window ends, the counter expires a window later', () => {
    const start = 1_700_000_100; // a multiple of 300
    expect(start % THROTTLE_WINDOW_SECONDS).toBe(0);
    const w = throttleWindow(new Date((start + 10) * 1000));
    expect(w).toEqual({ start, retryAfter: 290, expiresAt: start + 2 * THROTTLE_WINDOW_SECONDS });
    expect(throttleWindow(new Date((start + 299) * 1000 + 999)).retryAfter).toBe(1);
  });
});

describe('trigger URL bodies', () => {
  it('subscribe: webhook must be an http(s) URL, secret non-empty when given', () => {
    expect(subscribeSchema.parse({ webhook: 'https://r.example/h', secret: '123456', extra: 1 })).toEqual({
      webhook: 'https://r.example/h',
      secret: '123456',
    });
    expect(subscribeSchema.parse({ webhook: 'http://r.example/h', secret: null })).toEqual({
      webhook: 'http://r.example/h',
    });
    const bad = subscribeSchema.safeParse({ webhook: 'ftp://x', secret: '' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['secret', 'webhook']);
  });

  it('unlock: door_id as a string or a number', () => {
    expect(unlockSchema.parse({ door_id: 5678 })).toEqual({ door_id: '5678' });
    expect(unlockSchema.safeParse({}).success).toBe(false);
  });

  it('a subscription is a placeos hook on every door event, signed only with a secret, no overlap', () => {
    const t = { id: 'trg_1', name: 'Lobby' };
    expect(subscriptionHook(t, { webhook: 'https://r/h', secret: 's' })).toMatchObject({
      events: ['door.*'],
      url: 'https://r/h',
      method: 'POST',
      signing: { profile: 'placeos', secret: 's', overlap_seconds: 0 },
    });
    expect(subscriptionHook(t, { webhook: 'https://r/h' }).signing).toEqual({ profile: 'placeos' });
  });
});

describe('door list', () => {
  it('lists services tagged door, description = name, left out when there is none', () => {
    expect(
      doorList([
        { id: '1234-2342', name: 'Lobby Entrance', tags: ['door'] },
        { id: '5678-9012', name: '', tags: ['door', 'has_interlock'] },
        { id: 'nmr', name: 'NMR', tags: ['has_interlock'] },
      ]),
    ).toEqual([{ door_id: '1234-2342', description: 'Lobby Entrance' }, { door_id: '5678-9012' }]);
  });
});
