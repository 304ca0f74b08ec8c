import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deadlineFrom } from '#shared/domain/timeBudget.ts';
import { logger } from '#shared/observability/powertools.ts';
import { publishMetrics } from '#shared/observability/publishMetrics.ts';
import { handlerTracer } from '#shared/observability/tracing.ts';
import { deliveryDispatcher } from '#shared/services/queueing.ts';

/**
 * The delivery queues' consumer (two SQS event sources, the standard queue and the ordered FIFO
 * queue, with ReportBatchItemFailures): each record is one (event, hook) delivery. Records that
 * should be tried again later are reported as batch item failures; everything else is deleted,
 * having been delivered or dead-lettered with its reason. Records run within the invocation's
 * time budget.
 */
async function dispatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // Every record's delivery ends before the function's timeout (domain/timeBudget.ts), so a slow
  // receiver never takes the whole batch down with it.
  const deadline = deadlineFrom(context.getRemainingTimeInMillis(), Date.now());
  const failed = await deliveryDispatcher().processBatch(event.Records, deadline);
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(handlerTracer())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(dispatch);
