import type { SQSRecord } from 'aws-lambda';
import type { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import type { HookStore } from '../adapters/hookStore.ts';
import { type DeliveryMessage, deliveryMessageSchema } from '../domain/delivery.ts';
import { isInterlockTarget, isInterlockType } from '../domain/interlockTarget.ts';
import { deliveryWindow } from '../domain/timeBudget.ts';
import { logger, metrics } from '../observability/powertools.ts';
import type { DeliveryService } from './deliveryService.ts';

/** What became of one SQS record: done (delete it) or left on the queue for a later attempt. */
export type RecordOutcome = 'done' | 'retry-later';

/**
 * The dispatcher's work for one SQS record. Nothing is dropped: an unreadable message, a deleted
 * or disabled hook, a permanent failure and exhausted retries all go to the DLQ with the reason;
 * a retryable failure stays on the queue with its visibility pushed to the next attempt time.
 */
export class Dispatcher {
  constructor(
    private readonly hooks: HookStore,
    private readonly queue: DeliveryQueue,
    private readonly delivery: DeliveryService,
  ) {}

  /**
   * `deadline` (epoch ms): when outbound calls of this invocation must have ended. A delivery's
   * timeout is capped by it; a record with too little time left is handed back untouched.
   */
  async process(record: SQSRecord, deadline = Number.POSITIVE_INFINITY): Promise<RecordOutcome> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1') || 1;
    let message: DeliveryMessage;
    try {
      message = deliveryMessageSchema.parse(JSON.parse(record.body));
    } catch (err) {
      const reason = `unreadable delivery message: ${(err as Error).message.slice(0, 300)}`;
      logger.error('Dead-lettering an unreadable message', { messageId: record.messageId, reason });
      await this.deadLetter(record.body, reason, 0);
      return 'done';
    }
    const attemptNumber = message.priorAttempts + receiveCount;
    // Records of one batch run concurrently, so the correlation ids go on each line, not on the
    // shared logger (appendKeys would let one record's ids leak onto another's lines).
    const ids = { eventId: message.eventId, hookId: message.hookId, deliveryId: message.deliveryId };
    const hook = await this.hooks.get(message.tenant, message.hookId);
    const reason = !hook
      ? `hook ${message.hookId} no longer exists`
      : isInterlockTarget(hook) || isInterlockType(message.type)
        ? `${message.type} to hook ${hook.id} refused: interlock targets are called only by the interlock routes`
        : !hook.enabled
          ? `hook ${hook.id} is disabled`
          : undefined;
    if (!hook || reason !== undefined) {
      logger.warn('Dead-lettering a delivery whose hook cannot take it', { ...ids, reason });
      await this.deadLetter(record.body, reason ?? 'unknown hook', message.priorAttempts, message.hookId);
      await this.delivery.recordDeadLetter(
        message,
        attemptNumber,
        `dead-lettered: ${reason ?? 'unknown hook'}`,
      );
      return 'done';
    }
    const window = deliveryWindow(this.delivery.timeoutFor(hook), deadline, Date.now());
    if (window.kind === 'out-of-time') {
      logger.warn('Out of time in this invocation: record handed back untouched', {
        ...ids,
        leftMs: window.leftMs,
      });
      return 'retry-later';
    }
    const { attempt, decision } = await this.delivery.attempt(hook, message, attemptNumber, {
      scheduleIndex: receiveCount,
      maxTimeoutMs: window.timeoutMs,
    });
    metrics.addMetric('DeliveryLatency', 'Milliseconds', attempt.latencyMs);
    if (decision.action === 'success') {
      metrics.addMetric('DeliverySucceeded', 'Count', 1);
      logger.info('Delivered', {
        ...ids,
        attempt: attemptNumber,
        status: attempt.status,
        latencyMs: attempt.latencyMs,
      });
      return 'done';
    }
    if (decision.action === 'retry') {
      metrics.addMetric('DeliveryRetried', 'Count', 1);
      logger.warn('Delivery attempt failed; will retry', {
        ...ids,
        attempt: attemptNumber,
        reason: decision.reason,
      });
      await this.queue.postpone(record.receiptHandle, decision.delaySeconds);
      return 'retry-later';
    }
    metrics.addMetric('DeliveryFailed', 'Count', 1);
    logger.error('Delivery failed; dead-lettered', {
      ...ids,
      attempt: attemptNumber,
      reason: decision.reason,
    });
    await this.deadLetter(record.body, decision.reason, attemptNumber, message.hookId);
    return 'done';
  }

  private async deadLetter(
    original: string,
    reason: string,
    attempts: number,
    hookId?: string,
  ): Promise<void> {
    await this.queue.deadLetter({
      deadLetter: 1,
      reason,
      failedAt: new Date().toISOString(),
      attempts,
      ...(hookId ? { hookId } : {}),
      original,
    });
  }
}
