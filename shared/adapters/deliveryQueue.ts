import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeliveryMessage } from '../domain/delivery.ts';

export class EnqueueError extends Error {
  constructor(
    /** The deliveries (by delivery id) that are not on the queue, and why. */
    readonly failed: { id: string; reason: string }[],
    readonly sent: number,
  ) {
    super(`${failed.length} deliveries could not be enqueued (${failed.map((f) => f.reason).join('; ')})`);
  }
}

/** SendMessageBatch takes at most 10 entries and 256 KiB in all (bodies and attributes). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024 - 8 * 1024;

/** Messages grouped into batches SQS accepts: by count and by total size. */
function batches(messages: DeliveryMessage[]): { message: DeliveryMessage; text: string }[][] {
  const out: { message: DeliveryMessage; text: string }[][] = [];
  let current: { message: DeliveryMessage; text: string }[] = [];
  let bytes = 0;
  for (const message of messages) {
    const text = JSON.stringify(message);
    const size = Buffer.byteLength(text) + 200;
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ message, text });
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
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

  /**
   * Enqueues every message; resolves with the count, or rejects with an EnqueueError naming the
   * deliveries (by id) that are not on the queue, whatever the reason (a batch SQS refused, or a
   * call that failed), so the caller knows exactly which were sent.
   */
  async enqueue(messages: DeliveryMessage[]): Promise<number> {
    let sent = 0;
    const failed: { id: string; reason: string }[] = [];
    for (const batch of batches(messages)) {
      const deliveryOf = (entryId: string | undefined) => batch[Number(entryId)]?.message.deliveryId ?? '?';
      let entries: SendMessageBatchRequestEntry[] = batch.map((body, j) => ({
        Id: String(j),
        MessageBody: body.text,
        MessageAttributes: {
          hookId: { DataType: 'String', StringValue: body.message.hookId },
          tenant: { DataType: 'String', StringValue: body.message.tenant },
        },
      }));
      for (let round = 0; round < 2 && entries.length > 0; round++) {
        let out: SendMessageBatchCommandOutput;
        try {
          out = await this.sqs.send(
            new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
          );
        } catch (err) {
          const reason = `SendMessageBatch failed: ${(err as Error).name}`;
          for (const e of entries) failed.push({ id: deliveryOf(e.Id), reason });
          break;
        }
        sent += out.Successful?.length ?? 0;
        const retry = new Set((out.Failed ?? []).filter((f) => !f.SenderFault).map((f) => f.Id));
        for (const f of out.Failed ?? []) {
          if (f.SenderFault || round === 1)
            failed.push({ id: deliveryOf(f.Id), reason: f.Message ?? f.Code ?? 'unknown' });
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
