import type middy from '@middy/core';
import { metrics } from './powertools.ts';

/**
 * Flushes the metrics a handler recorded (as CloudWatch EMF) after each invocation, including
 * failed ones. Unlike Powertools' `logMetrics`, an invocation that recorded nothing prints
 * nothing, instead of a warning on every health check.
 */
export function publishMetrics(): middy.MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
