/**
 * A hook's `rate_limit_per_second`, enforced across every dispatcher instance. The rule is a
 * sliding window: a delivery may start when fewer than `limit` deliveries of the hook started in
 * the last second (plus a small guard for the network between us and the receiver), so no
 * one-second window at the receiver ever sees more than `limit`. A token bucket would let
 * `2 × limit` through around a refill; the window does not. The admission times (at most
 * `limit` numbers) live in one DynamoDB item updated with a condition on its version, so
 * concurrent dispatchers cannot both take the last place.
 *
 * A delivery over the limit is not attempted and does not count as an attempt: it waits on the
 * queue (its visibility) until the window has room, plus a spread that grows with how often it
 * was held, so a burst far above the limit does not come back all at once.
 */

/** The window the limit applies to. */
export const RATE_WINDOW_MS = 1000;
/** Extra room so network jitter cannot squeeze `limit + 1` deliveries into one receiver second. */
export const RATE_GUARD_MS = 100;
/** The most a held delivery's spread adds (seconds). */
export const MAX_THROTTLE_SPREAD_SECONDS = 30;
export const MAX_RATE_LIMIT_PER_SECOND = 1000;

export type Admission = { admitted: true; recent: number[] } | { admitted: false; waitMs: number };

/**
 * May a delivery start at `now` (ms)? `recent` are the start times already admitted. On
 * admission, `recent` is the new list to store (only what still matters); otherwise how long
 * until the window has room.
 */
export function admit(recent: readonly number[], now: number, limit: number): Admission {
  const span = RATE_WINDOW_MS + RATE_GUARD_MS;
  const live = recent.filter((t) => t > now - span).sort((a, b) => a - b);
  if (live.length < limit) return { admitted: true, recent: [...live, now] };
  const oldestThatMustExpire = live[live.length - limit]!;
  return { admitted: false, waitMs: Math.max(1, oldestThatMustExpire + span - now) };
}

/**
 * Seconds a held delivery waits (its visibility timeout): until the window has room, rounded up
 * to SQS's whole seconds, plus a random spread of up to one second per earlier hold (capped), so
 * a burst drains at the limit instead of returning together every second.
 */
export function throttleDelaySeconds(waitMs: number, earlierHolds: number, random: () => number): number {
  const spread = Math.min(MAX_THROTTLE_SPREAD_SECONDS, Math.max(0, earlierHolds));
  return Math.max(1, Math.ceil(waitMs / 1000)) + Math.floor(random() * (spread + 1));
}
