import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Logger / Metrics for every function (Powertools' recommended layout; tracing is in
 * tracing.ts, loaded only when the deployment turns SDK tracing on). Service
 * name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE when set.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'latchkey',
  correlationIdSearchFn: search,
});
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Latchkey',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'latchkey',
});
