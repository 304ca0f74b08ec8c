import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deadlineFrom } from '#shared/domain/timeBudget.ts';
import { logger } from '#shared/observability/powertools.ts';
import { publishMetrics } from '#shared/observability/publishMetrics.ts';
import { handlerTracer } from '#shared/observability/tracing.ts';
import { queueing } from '#shared/services/queueing.ts';

/**
 * The delivery queue's consumer (SQS event source with ReportBatchItemFailures): each record is
 * one (event, hook) delivery. Records that should be tried again later are reported as batch item
 * failures; everything else is deleted, having been delivered or dead-lettered with its reason.
 * Records run concurrently, each within the invocation's time budget.
 */
async function dispatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { dispatcher } = queueing();
  // Every record's delivery ends before the function's timeout (domain/timeBudget.ts), so a slow
  // receiver never takes the whole batch down with it.
  const deadline = deadlineFrom(context.getRemainingTimeInMillis(), Date.now());
  const batchItemFailures: SQSBatchItemFailure[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        if ((await dispatcher.process(record, deadline)) === 'retry-later') {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      } catch (err) {
        // Infrastructure trouble (DynamoDB, SQS, Secrets Manager): leave the record for a retry.
        logger.error('Could not process delivery record', {
          messageId: record.messageId,
          error: err as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures };
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(handlerTracer())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics())
  .handler(dispatch);
