/**
 * The circuit breaker: a hook whose deliveries have all failed for `DISABLE_AFTER_HOURS`
 * (default 120 h, five days, as Svix does) is disabled with the reason recorded on the hook; a
 * `410 Gone` answer disables it at once (the receiver says the endpoint is gone for good). One
 * success resets the clock. Re-enabling through the API resumes deliveries.
 */
import { ConfigError } from '../config.ts';

export const DEFAULT_DISABLE_AFTER_HOURS = 120;
export const DISABLE_AFTER_HOURS_ENV = 'DISABLE_AFTER_HOURS';

/** `DISABLE_AFTER_HOURS` as milliseconds: a positive number of hours (fractions allowed). */
export function disableAfterMsFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_DISABLE_AFTER_HOURS * 3_600_000;
  const hours = Number(value);
  if (!Number.isFinite(hours) || hours <= 0) {
    throw new ConfigError(
      `${DISABLE_AFTER_HOURS_ENV} must be a positive number of hours (e.g. "120" or "0.5"); got "${value}"`,
    );
  }
  return hours * 3_600_000;
}

/** What one attempt did, as far as the breaker cares. */
export interface AttemptResultForBreaker {
  succeeded: boolean;
  status?: number;
}

export type BreakerDecision =
  | { action: 'none' }
  /** A success after failures: the hook is healthy again. */
  | { action: 'clear' }
  /** The first failure after health: the clock starts. */
  | { action: 'start-failing'; since: string }
  | { action: 'disable'; reason: string };

export function breakerAfter(
  result: AttemptResultForBreaker,
  failingSince: string | undefined,
  now: Date,
  disableAfterMs: number,
): BreakerDecision {
  if (result.succeeded) return failingSince ? { action: 'clear' } : { action: 'none' };
  if (result.status === 410) {
    return { action: 'disable', reason: 'the receiver answered 410 Gone: the endpoint no longer exists' };
  }
  if (!failingSince) return { action: 'start-failing', since: now.toISOString() };
  const failingMs = now.getTime() - Date.parse(failingSince);
  if (failingMs >= disableAfterMs) {
    return {
      action: 'disable',
      reason: `every delivery has failed since ${failingSince} (${formatDuration(failingMs)}; the limit is ${formatDuration(disableAfterMs)})`,
    };
  }
  return { action: 'none' };
}

function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round((ms / 3_600_000) * 10) / 10} h`;
  if (ms >= 60_000) return `${Math.round((ms / 60_000) * 10) / 10} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
