/**
 * Time budgets for outbound calls made inside a Lambda invocation (SPEC §4; issue 8): a
 * delivery's timeout is the hook's, capped by what the invocation has left, so the function
 * answers before its own timeout instead of being killed with its batch (SQS would then hand the
 * whole batch back and the records already delivered would be delivered again). A record that
 * cannot be attempted in time is handed back untouched.
 */

/** Kept back at the end of an invocation: recording the attempt, postponing, answering. */
export const INVOCATION_MARGIN_MS = 2_500;
/** Below this much time left, a delivery is not started (it would time out for nothing). */
export const MIN_DELIVERY_MS = 1_000;
/**
 * API Gateway gives a synchronous call 29 s at most (the HTTP API's 30 s integration limit less
 * a margin); a test delivery must have answered by then.
 */
export const API_GATEWAY_LIMIT_MS = 29_000;

/** The moment (epoch ms) by which outbound calls of this invocation must have ended. */
export function deadlineFrom(remainingMs: number, now: number, capMs = Number.POSITIVE_INFINITY): number {
  return now + Math.min(remainingMs, capMs) - INVOCATION_MARGIN_MS;
}

export type DeliveryWindow = { kind: 'attempt'; timeoutMs: number } | { kind: 'out-of-time'; leftMs: number };

/** The timeout one delivery may use: the hook's own, capped by the deadline; or none left. */
export function deliveryWindow(requestedMs: number, deadline: number, now: number): DeliveryWindow {
  const leftMs = deadline - now;
  if (leftMs < MIN_DELIVERY_MS) return { kind: 'out-of-time', leftMs: Math.max(0, leftMs) };
  return { kind: 'attempt', timeoutMs: Math.min(requestedMs, leftMs) };
}
