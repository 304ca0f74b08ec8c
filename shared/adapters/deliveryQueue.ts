import { randomBytes } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
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

export interface DeliveryQueueUrls {
  /** Standard queue: unordered hooks. */
  queueUrl: string;
  /** FIFO queue: ordered hooks, one message group per ordering group. */
  orderedQueueUrl: string;
  /** The safety net for messages that cannot be read or attributed to a tenant. */
  deadLetterQueueUrl: string;
}

/**
 * The delivery queues and the safety-net DLQ. A message with an ordering group goes to the FIFO
 * queue in that message group; the others to the standard queue. Enqueueing uses
 * SendMessageBatch (10 per call, within SQS's size limit) and retries the entries SQS reports as
 * failed once; what still fails is an error the caller must surface, never a silently lost delivery.
 */
export class DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: DeliveryQueueUrls,
  ) {}

  /**
   * Enqueues every message; resolves with the count, or rejects with an EnqueueError naming the
   * deliveries (by id) that are not on the queue, whatever the reason (a batch SQS refused, or a
   * call that failed), so the caller knows exactly which were sent.
   */
  async enqueue(messages: DeliveryMessage[]): Promise<number> {
    let sent = 0;
    const failed: { id: string; reason: string }[] = [];
    const ordered = messages.filter((m) => m.orderingGroup !== undefined);
    const unordered = messages.filter((m) => m.orderingGroup === undefined);
    for (const [queueUrl, list] of [
      [this.urls.queueUrl, unordered],
      [this.urls.orderedQueueUrl, ordered],
    ] as const) {
      if (list.length === 0) continue;
      // One batch after another: a FIFO queue keeps a group's order across calls in sequence.
      for (const batch of batches(list)) {
        const result = await this.sendBatch(queueUrl, batch);
        sent += result.sent;
        failed.push(...result.failed);
      }
    }
    if (failed.length > 0) throw new EnqueueError(failed, sent);
    return sent;
  }

  private async sendBatch(
    queueUrl: string,
    batch: { message: DeliveryMessage; text: string }[],
  ): Promise<{ sent: number; failed: { id: string; reason: string }[] }> {
    let sent = 0;
    const failed: { id: string; reason: string }[] = [];
    const deliveryOf = (entryId: string | undefined) => batch[Number(entryId)]?.message.deliveryId ?? '?';
    let entries: SendMessageBatchRequestEntry[] = batch.map(({ message, text }, j) => ({
      Id: String(j),
      MessageBody: text,
      MessageAttributes: {
        hookId: { DataType: 'String', StringValue: message.hookId },
        tenant: { DataType: 'String', StringValue: message.tenant },
      },
      ...(message.orderingGroup
        ? {
            MessageGroupId: message.orderingGroup,
            // Unique per enqueue: a redrive of the same delivery within SQS's five-minute
            // deduplication window must not be dropped as a duplicate.
            MessageDeduplicationId: `${message.deliveryId}.${message.priorAttempts}.${randomBytes(6).toString('hex')}`,
          }
        : {}),
    }));
    for (let round = 0; round < 2 && entries.length > 0; round++) {
      let out: SendMessageBatchCommandOutput;
      try {
        out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
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
    return { sent, failed };
  }

  /** Delays a message's next receive (the retry backoff, a rate-limit hold); 0 releases it now. */
  async postpone(receiptHandle: string, delaySeconds: number, ordered = false): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: ordered ? this.urls.orderedQueueUrl : this.urls.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: delaySeconds,
      }),
    );
  }

  /** The safety net: a message that cannot be read or attributed, kept with the reason. */
  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.urls.deadLetterQueueUrl,
        MessageBody: JSON.stringify(letter),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: letter.reason.slice(0, 256) },
          ...(letter.hookId ? { hookId: { DataType: 'String', StringValue: letter.hookId } } : {}),
        },
      }),
    );
  }
}
