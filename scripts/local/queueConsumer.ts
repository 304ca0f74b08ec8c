/**
 * Local stand-in for the Lambda SQS event source mapping: long-polls the queue, hands batches to
 * the handler as SQS events, deletes the records that did not fail (`batchItemFailures`), and
 * leaves failures to the visibility timeout and the queue's redrive policy.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { awsCallScope } from '../../shared/adapters/awsCallRecorder.ts';
import { lambdaContext } from './lambdaContext.ts';

type SqsHandler = (event: SQSEvent, context: unknown) => Promise<SQSBatchResponse | undefined>;

export interface QueueConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  functionId: string;
  batchSize: number;
  timeoutMs: number;
  waitTimeSeconds?: number;
  log?: (line: string) => void;
}

export interface QueueConsumer {
  /**
   * Stops receiving, then waits for the batch in hand, at most `maxWaitMs`. A batch still running
   * then is left alone: its messages were not deleted, so SQS hands them out again after their
   * visibility timeout (at-least-once, nothing lost). Resolves true when nothing was left running.
   */
  stop(maxWaitMs?: number): Promise<boolean>;
  /** Batches handed to the handler so far. */
  readonly batches: number;
  /** Records handed to the handler and not yet finished. */
  readonly inFlight: number;
  /** Batches whose handler outlived the function's timeout (each failed whole). */
  readonly timeouts: number;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      // FIFO queues: the event source passes these on, and the dispatcher orders by the group.
      ...(attributes.MessageGroupId
        ? {
            MessageGroupId: attributes.MessageGroupId,
            MessageDeduplicationId: attributes.MessageDeduplicationId,
            SequenceNumber: attributes.SequenceNumber,
          }
        : {}),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
  };
}

export async function startQueueConsumer(options: QueueConsumerOptions): Promise<QueueConsumer> {
  const { sqs, queueUrl, handler, batchSize, log } = options;
  const arn = await awsCallScope.run(options.functionId, () =>
    sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })),
  );
  const queueArn = arn.Attributes?.QueueArn ?? queueUrl;
  const controller = new AbortController();
  let batches = 0;
  let inFlight = 0;
  let timeouts = 0;

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: controller.signal },
        );
        messages = received.Messages ?? [];
      } catch (err) {
        if (controller.signal.aborted) return;
        log?.(`[queue] receive failed: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      batches += 1;
      const records = messages.map((m) => toRecord(m, queueArn));
      let failed = new Set<string>(records.map((r) => r.messageId));
      inFlight = records.length;
      let timer: NodeJS.Timeout | undefined;
      try {
        // As on Lambda, a batch that outlives the function's timeout fails whole (the handler
        // cannot be killed in-process; its answer is ignored).
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timeouts += 1;
            reject(new Error(`Task timed out after ${options.timeoutMs / 1000} seconds`));
          }, options.timeoutMs);
        });
        const result = await Promise.race([
          handler({ Records: records }, lambdaContext(options.functionId, options.timeoutMs)),
          timedOut,
        ]);
        failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        // A thrown error fails the whole batch, as with the real event source mapping.
        log?.(`[queue] handler threw, whole batch left for retry: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      inFlight = 0;
    }
  };
  const running = awsCallScope.run(options.functionId, loop);
  return {
    get batches() {
      return batches;
    },
    get inFlight() {
      return inFlight;
    },
    get timeouts() {
      return timeouts;
    },
    async stop(maxWaitMs = Number.POSITIVE_INFINITY) {
      controller.abort();
      const finished = running.then(
        () => true,
        () => true,
      );
      if (!Number.isFinite(maxWaitMs)) return finished;
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), maxWaitMs);
      });
      const result = await Promise.race([finished, gaveUp]);
      clearTimeout(timer);
      return result;
    },
  };
}
