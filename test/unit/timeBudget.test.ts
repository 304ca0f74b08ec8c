import { describe, expect, it } from 'vitest';
import {
  API_GATEWAY_LIMIT_MS,
  deadlineFrom,
  deliveryWindow,
  INVOCATION_MARGIN_MS,
  MIN_DELIVERY_MS,
} from '../../shared/domain/timeBudget.ts';

describe('time budgets', () => {
  const now = 1_000_000;

  it('caps a delivery by what the invocation has left, less the margin', () => {
    const deadline = deadlineFrom(30_000, now);
    expect(deliveryWindow(30_000, deadline, now)).toEqual({
      kind: 'attempt',
      timeoutMs: 30_000 - INVOCATION_MARGIN_MS,
    });
    expect(deliveryWindow(5_000, deadline, now)).toEqual({ kind: 'attempt', timeoutMs: 5_000 });
    expect(deliveryWindow(30_000, deadline, now + 20_000)).toEqual({
      kind: 'attempt',
      timeoutMs: 10_000 - INVOCATION_MARGIN_MS,
    });
  });

  it('starts nothing with less than the minimum left', () => {
    const deadline = deadlineFrom(INVOCATION_MARGIN_MS + MIN_DELIVERY_MS - 1, now);
    expect(deliveryWindow(10_000, deadline, now)).toEqual({
      kind: 'out-of-time',
      leftMs: MIN_DELIVERY_MS - 1,
    });
  });

  it('ends a test delivery before API Gateway gives up, whatever the function timeout', () => {
    const deadline = deadlineFrom(900_000, now, API_GATEWAY_LIMIT_MS);
    const window = deliveryWindow(30_000, deadline, now);
    expect(window).toEqual({ kind: 'attempt', timeoutMs: API_GATEWAY_LIMIT_MS - INVOCATION_MARGIN_MS });
    expect(API_GATEWAY_LIMIT_MS).toBeLessThan(30_000);
  });
});
