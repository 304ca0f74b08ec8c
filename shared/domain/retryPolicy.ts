/**
 * What to do after one delivery attempt (SPEC section 4): 2xx is success; 408, 429, 5xx,
 * timeouts and network errors are retried with exponential backoff and jitter over hours; any
 * other status fails at once. Both failures end in the dead-letter queue with a reason an
 * operator can act on.
 */
import { ConfigError } from '../config.ts';
import { STATUS_CODES } from '../nodeHttp.ts';

export type AttemptOutcome =
  | {
      kind: 'status';
      status: number;
      /** The receiver's reason phrase; the standard one is used when absent. */
      statusText?: string;
      /** Raw `Retry-After` header, if any. */
      retryAfter?: string;
    }
  | { kind: 'timeout'; afterMs?: number }
  | { kind: 'network'; code?: string; message: string };

export type Decision =
  | { action: 'success' }
  | { action: 'retry'; delaySeconds: number; reason: string }
  | { action: 'dead-letter'; reason: string };

/** The longest delay SQS can hold a message invisible (12 h); no retry waits longer. */
export const MAX_DELAY_SECONDS = 43_200;

/** Environment variable overriding the schedule (comma-separated seconds), e.g. for tests. */
export const RETRY_SCHEDULE_ENV = 'DELIVERY_RETRY_SCHEDULE_SECONDS';

/**
 * Seconds to wait before attempt 2, 3, ...: 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h,
 * 12 h. Ten attempts in all spread over about 27.7 hours (before jitter), long enough to ride out
 * a receiver's overnight outage.
 */
export function defaultRetrySchedule(): number[] {
  return [30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 43_200];
}

/**
 * The schedule from `DELIVERY_RETRY_SCHEDULE_SECONDS` ("1,2,3"); unset or empty gives the
 * default. Each entry must be a whole number of seconds from 1 to 43200.
 */
export function retryScheduleFromEnv(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return defaultRetrySchedule();
  const parts = value.split(',').map((part) => part.trim());
  const valid = parts.every(
    (part) => /^\d+$/.test(part) && Number(part) >= 1 && Number(part) <= MAX_DELAY_SECONDS,
  );
  if (!valid) {
    throw new ConfigError(
      `${RETRY_SCHEDULE_ENV} must be a comma-separated list of whole seconds between 1 and ${MAX_DELAY_SECONDS} (e.g. "30,120,600"); got "${value}"`,
    );
  }
  return parts.map(Number);
}

/** `HTTP 503 Service Unavailable`, `timed out ...`, `network error ECONNREFUSED: ...`. */
export function describeOutcome(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'status': {
      const text = outcome.statusText?.trim() || STATUS_CODES[outcome.status];
      return text === undefined ? `HTTP ${outcome.status}` : `HTTP ${outcome.status} ${text}`;
    }
    case 'timeout':
      return outcome.afterMs === undefined
        ? 'timed out waiting for the receiver'
        : `no response within ${outcome.afterMs} ms (timeout)`;
    case 'network':
      return outcome.code === undefined
        ? `network error: ${outcome.message}`
        : `network error ${outcome.code}: ${outcome.message}`;
  }
}

/** Is this outcome worth another attempt? 408, 429, 5xx, timeouts and network errors are. */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind !== 'status') return true;
  return outcome.status === 408 || outcome.status === 429 || (outcome.status >= 500 && outcome.status <= 599);
}

/**
 * Seconds a `Retry-After` header asks for: delay-seconds or an HTTP date (relative to `now`).
 * Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** The scheduled delay after `attempt` with ±20 % jitter, rounded, at least 1 s. */
export function jitteredDelay(baseSeconds: number, random: () => number): number {
  return Math.max(1, Math.round(baseSeconds * (0.8 + 0.4 * random())));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Decides what follows attempt number `attempt` (1-based, the one just made). Retries wait
 * `schedule[attempt - 1]` seconds with jitter, or longer when the receiver sent `Retry-After`,
 * capped at 12 h; after `schedule.length + 1` attempts the delivery is dead-lettered.
 */
export function decide(
  outcome: AttemptOutcome,
  attempt: number,
  schedule: number[],
  random: () => number = Math.random,
  now: Date = new Date(),
): Decision {
  if (outcome.kind === 'status' && outcome.status >= 200 && outcome.status <= 299)
    return { action: 'success' };

  const described = describeOutcome(outcome);
  if (!isRetryable(outcome)) {
    const hint =
      outcome.kind === 'status' && outcome.status >= 300 && outcome.status <= 399
        ? ' (redirects are not followed: point the hook at the final URL)'
        : '';
    return { action: 'dead-letter', reason: `${described}: not retried${hint}` };
  }

  const base = schedule[attempt - 1];
  if (base === undefined) {
    return { action: 'dead-letter', reason: `gave up after ${plural(attempt, 'attempt')}: ${described}` };
  }

  const scheduled = jitteredDelay(base, random);
  const retryAfter = outcome.kind === 'status' ? parseRetryAfter(outcome.retryAfter, now) : undefined;
  const wanted = retryAfter === undefined ? scheduled : Math.max(retryAfter, scheduled);
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, wanted);
  const honoured = retryAfter !== undefined && retryAfter > scheduled ? ', as Retry-After asked' : '';
  return {
    action: 'retry',
    delaySeconds,
    reason: `${described} on attempt ${attempt} of ${schedule.length + 1}; retrying in ${delaySeconds} s${honoured}`,
  };
}
