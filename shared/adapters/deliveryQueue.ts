import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeliveryMessage } from '../domain/delivery.ts';

export class EnqueueError extends Error {
  constructor(
    readonly failed: { id: string; reason: string }[],
    readonly sent: number,
  ) {
    super(`${failed.length} deliveries could not be enqueued (${failed.map((f) => f.reason).join('; ')})`);
  }
}

/**
 * The delivery queue and its DLQ. Enqueueing uses SendMessageBatch (10 per call) and retries the
 * entries SQS reports as failed once; what still fails is an error the caller must surface, never
 * a silently lost delivery.
 */
export class DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async enqueue(messages: DeliveryMessage[]): Promise<number> {
    let sent = 0;
    const failed: { id: string; reason: string }[] = [];
    for (let i = 0; i < messages.length; i += 10) {
      let entries: SendMessageBatchRequestEntry[] = messages.slice(i, i + 10).map((m, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify(m),
        MessageAttributes: {
          hookId: { DataType: 'String', StringValue: m.hookId },
          tenant: { DataType: 'String', StringValue: m.tenant },
        },
      }));
      for (let round = 0; round < 2 && entries.length > 0; round++) {
        const out = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        sent += out.Successful?.length ?? 0;
        const retry = new Set((out.Failed ?? []).filter((f) => !f.SenderFault).map((f) => f.Id));
        for (const f of out.Failed ?? []) {
          if (f.SenderFault || round === 1)
            failed.push({ id: f.Id ?? '?', reason: f.Message ?? f.Code ?? 'unknown' });
        }
        entries = entries.filter((e) => retry.has(e.Id));
      }
    }
    if (failed.length > 0) throw new EnqueueError(failed, sent);
    return sent;
  }

  /** Delays a message's next receive (the retry backoff). */
  async postpone(receiptHandle: string, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: delaySeconds,
      }),
    );
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: JSON.stringify(letter),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: letter.reason.slice(0, 256) },
          ...(letter.hookId ? { hookId: { DataType: 'String', StringValue: letter.hookId } } : {}),
        },
      }),
    );
  }

  async receiveDeadLetters(max: number, visibilitySeconds: number): Promise<Message[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  }

  async deleteDeadLetter(receiptHandle: string): Promise<void> {
    await this.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.deadLetterQueueUrl, ReceiptHandle: receiptHandle }),
    );
  }

  async releaseDeadLetter(receiptHandle: string): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.deadLetterQueueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }
}
