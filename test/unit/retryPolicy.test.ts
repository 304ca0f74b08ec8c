import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  decide,
  defaultRetrySchedule,
  describeOutcome,
  retryScheduleFromEnv,
} from '#shared/domain/retryPolicy.ts';

const schedule = defaultRetrySchedule();
const noJitter = () => 0.5; // factor 0.8 + 0.4 * 0.5 = 1
const status = (code: number, retryAfter?: string): AttemptOutcome =>
  retryAfter === undefined ? { kind: 'status', status: code } : { kind: 'status', status: code, retryAfter };

describe('retry policy', () => {
  it('treats every 2xx as success', () => {
    for (const code of [200, 201, 202, 204, 299])
      expect(decide(status(code), 1, schedule)).toEqual({ action: 'success' });
  });

  it('retries 408, 429, 5xx, timeouts and network errors on the schedule', () => {
    const outcomes: AttemptOutcome[] = [
      status(408),
      status(429),
      status(500),
      status(503),
      { kind: 'timeout' },
      { kind: 'network', code: 'ECONNREFUSED', message: 'connection refused' },
    ];
    for (const outcome of outcomes) {
      expect(decide(outcome, 1, schedule, noJitter)).toMatchObject({ action: 'retry', delaySeconds: 30 });
      expect(decide(outcome, 3, schedule, noJitter)).toMatchObject({ action: 'retry', delaySeconds: 600 });
    }
  });

  it('fails other 4xx, 1xx and 3xx at once with the status in the reason', () => {
    expect(decide(status(400), 1, schedule)).toEqual({
      action: 'dead-letter',
      reason: 'HTTP 400 Bad Request: not retried',
    });
    expect(decide(status(404), 1, schedule)).toMatchObject({ reason: 'HTTP 404 Not Found: not retried' });
    expect(decide(status(302), 1, schedule)).toMatchObject({
      action: 'dead-letter',
      reason: expect.stringMatching(/^HTTP 302 Found: not retried/),
    });
    expect(decide(status(101), 1, schedule)).toMatchObject({ action: 'dead-letter' });
  });

  it('spreads retries with ±20 % jitter, at least 1 s', () => {
    expect(decide(status(503), 2, schedule, () => 0)).toMatchObject({ delaySeconds: 96 });
    expect(decide(status(503), 2, schedule, () => 1)).toMatchObject({ delaySeconds: 144 });
    expect(decide(status(503), 1, [1], () => 0)).toMatchObject({ delaySeconds: 1 });
  });

  it('honours Retry-After on 429 in seconds and as an HTTP date, never below the schedule', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    expect(decide(status(429, '600'), 1, schedule, noJitter, now)).toMatchObject({ delaySeconds: 600 });
    expect(decide(status(429, '5'), 1, schedule, noJitter, now)).toMatchObject({ delaySeconds: 30 });
    const inAnHour = new Date(now.getTime() + 3600_000).toUTCString();
    expect(decide(status(429, inAnHour), 1, schedule, noJitter, now)).toMatchObject({ delaySeconds: 3600 });
    expect(decide(status(429, 'soon'), 1, schedule, noJitter, now)).toMatchObject({ delaySeconds: 30 });
  });

  it('never waits longer than the SQS maximum of 12 hours', () => {
    expect(decide(status(429, '999999'), 1, schedule, noJitter)).toMatchObject({ delaySeconds: 43_200 });
    expect(decide(status(503), 9, schedule, () => 1)).toMatchObject({ delaySeconds: 43_200 });
  });

  it('gives up after the last scheduled attempt with a reason an operator understands', () => {
    expect(schedule).toHaveLength(9);
    expect(decide(status(503), 10, schedule)).toEqual({
      action: 'dead-letter',
      reason: 'gave up after 10 attempts: HTTP 503 Service Unavailable',
    });
    expect(decide({ kind: 'timeout' }, 2, [5])).toMatchObject({
      action: 'dead-letter',
      reason: expect.stringMatching(/^gave up after 2 attempts: timed out/),
    });
  });

  it('spans about a day by default', () => {
    const total = schedule.reduce((a, b) => a + b, 0);
    expect(total / 3600).toBeGreaterThan(24);
    expect(total / 3600).toBeLessThan(30);
    expect(Math.max(...schedule)).toBeLessThanOrEqual(43_200);
  });

  it('describes outcomes for operators', () => {
    expect(describeOutcome(status(503))).toBe('HTTP 503 Service Unavailable');
    expect(describeOutcome(status(599))).toBe('HTTP 599');
    expect(describeOutcome({ kind: 'network', code: 'ECONNREFUSED', message: 'refused' })).toBe(
      'network error ECONNREFUSED: refused',
    );
    expect(describeOutcome({ kind: 'timeout' })).toMatch(/timed out/);
  });

  describe('schedule from DELIVERY_RETRY_SCHEDULE_SECONDS', () => {
    it('uses the default when unset or empty', () => {
      expect(retryScheduleFromEnv(undefined)).toEqual(schedule);
      expect(retryScheduleFromEnv('')).toEqual(schedule);
    });

    it('reads a comma-separated list', () => {
      expect(retryScheduleFromEnv('1, 2,3')).toEqual([1, 2, 3]);
    });

    it('rejects a bad value naming the variable', () => {
      for (const bad of ['1,x', '0', '-5', '1.5', '1,,2', '50000']) {
        expect(() => retryScheduleFromEnv(bad)).toThrow(/DELIVERY_RETRY_SCHEDULE_SECONDS/);
      }
    });
  });
});
