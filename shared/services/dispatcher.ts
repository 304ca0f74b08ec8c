import type { SQSRecord } from 'aws-lambda';
import type { DeadLetterStore } from '../adapters/deadLetterStore.ts';
import type { DeliveryLog } from '../adapters/deliveryLog.ts';
import type { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import type { HookStore } from '../adapters/hookStore.ts';
import type { RateLimiter } from '../adapters/rateLimiter.ts';
import { breakerAfter } from '../domain/circuitBreaker.ts';
import { deadLetterRecord } from '../domain/deadLetter.ts';
import { type DeliveryMessage, deliveryMessageSchema } from '../domain/delivery.ts';
import type { Hook } from '../domain/hook.ts';
import { isInterlockTarget, isInterlockType } from '../domain/interlockTarget.ts';
import { runsInOrder } from '../domain/ordering.ts';
import { throttleDelaySeconds } from '../domain/rateLimit.ts';
import { deliveryWindow } from '../domain/timeBudget.ts';
import { logger, metrics } from '../observability/powertools.ts';
import type { DeliveryService } from './deliveryService.ts';
import type { EventPublisher } from './eventPublisher.ts';
import { ShortCache } from './shortCache.ts';

/**
 * How long a warm dispatcher keeps a hook it may deliver to (enabled, not an interlock target),
 * so a delivery reads nothing before its attempt. A changed URL, method, headers or timeout, new
 * credentials or a rotated secret, disabling or deleting the hook take effect within this time
 * (deliveries already queued meanwhile go out as the hook was); a hook that cannot take
 * deliveries is never kept, so re-enabling one works at once and no delivery is dead-lettered on
 * a kept hook. A failed attempt reads the hook afresh and drops it, so its retry sees changes.
 */
export const HOOK_CACHE_TTL_MS = 15_000;

type HookWithHealth = Awaited<ReturnType<HookStore['getWithHealth']>>;

/** Where a hook is kept in the dispatcher's cache. */
const hookKey = (tenant: string, hookId: string) => `${tenant}\n${hookId}`;

/** A hook the dispatcher may keep: one it delivers to. */
const deliverable = ({ hook }: HookWithHealth) => hook?.enabled === true && !isInterlockTarget(hook);

/** What became of one SQS record: done (delete it) or left on the queue for a later attempt. */
export type RecordOutcome = 'done' | 'retry-later';

export interface DispatcherDeps {
  hooks: HookStore;
  queue: DeliveryQueue;
  delivery: DeliveryService;
  deadLetters: DeadLetterStore;
  log: DeliveryLog;
  limiter: RateLimiter;
  /** Announces `hook.disabled` when the breaker disables a hook. */
  publisher: EventPublisher;
  /** The breaker's window: a hook failing this long is disabled. */
  disableAfterMs: number;
  now?: () => Date;
  random?: () => number;
  /** How long hooks are kept (default HOOK_CACHE_TTL_MS; 0 turns it off). */
  hookCacheTtlMs?: number;
  /** The clock of that cache (tests move it). */
  cacheClock?: () => number;
}

/** The FIFO message group of a record from the ordered queue; undefined on the standard queue. */
function groupOf(record: SQSRecord): string | undefined {
  return (record.attributes as { MessageGroupId?: string }).MessageGroupId;
}

/**
 * The dispatcher's work. Nothing is dropped: an unreadable message goes to the SQS DLQ (the
 * safety net); a delivery whose hook is gone or disabled, a permanent failure and exhausted
 * retries become the tenant's dead letters in the table, with the reason; a retryable failure
 * stays on the queue with its visibility pushed to the next attempt time. On the way: the hook's
 * rate limit (over it, the delivery waits without counting as an attempt), the order of ordered
 * hooks, and the circuit breaker.
 */
export class Dispatcher {
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly hookCache: ShortCache<HookWithHealth>;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.hookCache = new ShortCache(deps.hookCacheTtlMs ?? HOOK_CACHE_TTL_MS, deps.cacheClock ?? Date.now);
  }

  /** The hook and its breaker state: kept for HOOK_CACHE_TTL_MS when it takes deliveries. */
  private hookOf(tenant: string, hookId: string): Promise<HookWithHealth> {
    return this.hookCache.get(
      hookKey(tenant, hookId),
      () => this.deps.hooks.getWithHealth(tenant, hookId),
      deliverable,
    );
  }

  /**
   * The hook read afresh after a failed attempt, and no longer kept: the breaker decides on the
   * stored state, and the retry sees what an operator changed meanwhile (a fixed URL, a disabled
   * or deleted hook) at once.
   */
  private async freshHookOf(tenant: string, hookId: string): Promise<HookWithHealth> {
    this.hookCache.forget(hookKey(tenant, hookId));
    return this.deps.hooks.getWithHealth(tenant, hookId);
  }

  /**
   * A batch from either queue; answers the records to report as batch item failures. Records of
   * one FIFO message group go one after the other, and once one must wait (a retry, a rate-limit
   * hold) the ones behind it are not attempted: they are released to wait behind it on the queue
   * (what Lambda asks of FIFO partial batch responses). Everything else runs concurrently.
   * `deadline` (epoch ms): when outbound calls of this invocation must have ended
   * (domain/timeBudget.ts).
   */
  async processBatch(records: readonly SQSRecord[], deadline = Number.POSITIVE_INFINITY): Promise<string[]> {
    const failed: string[] = [];
    await Promise.all(
      runsInOrder(records, groupOf).map(async (run) => {
        let held = false;
        for (const record of run) {
          if (held) {
            await this.deps.queue.postpone(record.receiptHandle, 0, true);
            failed.push(record.messageId);
            continue;
          }
          let outcome: RecordOutcome;
          try {
            outcome = await this.process(record, deadline);
          } catch (err) {
            // Infrastructure trouble (DynamoDB, SQS, Secrets Manager): leave the record for a retry.
            logger.error('Could not process delivery record', {
              messageId: record.messageId,
              error: err as Error,
            });
            outcome = 'retry-later';
          }
          if (outcome === 'retry-later') {
            failed.push(record.messageId);
            held = groupOf(record) !== undefined;
          }
        }
      }),
    );
    return failed;
  }

  /**
   * `deadline` (epoch ms): a delivery's timeout is capped by it; a record with too little time
   * left is handed back untouched (not an attempt, no rate-limit place taken).
   */
  async process(record: SQSRecord, deadline = Number.POSITIVE_INFINITY): Promise<RecordOutcome> {
    const ordered = groupOf(record) !== undefined;
    let message: DeliveryMessage;
    try {
      message = deliveryMessageSchema.parse(JSON.parse(record.body));
    } catch (err) {
      const reason = `unreadable delivery message: ${(err as Error).message.slice(0, 300)}`;
      logger.error('Dead-lettering an unreadable message', { messageId: record.messageId, reason });
      await this.deps.queue.deadLetter({
        deadLetter: 1,
        reason,
        failedAt: this.now().toISOString(),
        attempts: 0,
        original: record.body,
      });
      return 'done';
    }
    // Records of one batch run concurrently, so the correlation ids go on each line, not on the
    // shared logger (appendKeys would let one record's ids leak onto another's lines).
    const ids = { eventId: message.eventId, hookId: message.hookId, deliveryId: message.deliveryId };
    const { hook, failingSince } = await this.hookOf(message.tenant, message.hookId);
    const reason = !hook
      ? `hook ${message.hookId} no longer exists`
      : isInterlockTarget(hook) || isInterlockType(message.type)
        ? `${message.type} to hook ${hook.id} refused: interlock targets are called only by the interlock routes`
        : !hook.enabled
          ? `hook ${hook.id} is disabled${hook.disabled ? `: ${hook.disabled.reason}` : ''}`
          : undefined;
    if (!hook || reason !== undefined) {
      logger.warn('Dead-lettering a delivery whose hook cannot take it', { ...ids, reason });
      await this.deadLetter(message, reason ?? 'unknown hook', message.priorAttempts);
      // Shown in the delivery log too: GET /v1/events/{id} says dead-lettered, with the reason.
      await this.deps.delivery.recordDeadLetter(
        message,
        await this.nextAttemptNumber(message, record),
        `dead-lettered: ${reason ?? 'unknown hook'}`,
      );
      return 'done';
    }

    const window = deliveryWindow(this.deps.delivery.timeoutFor(hook), deadline, Date.now());
    if (window.kind === 'out-of-time') {
      logger.warn('Out of time in this invocation: record handed back untouched', {
        ...ids,
        leftMs: window.leftMs,
      });
      return 'retry-later';
    }

    if (hook.rateLimitPerSecond !== undefined) {
      const admission = await this.deps.limiter.take(message.tenant, hook.id, hook.rateLimitPerSecond);
      if (!admission.admitted) {
        const receives = Number(record.attributes.ApproximateReceiveCount ?? '1') || 1;
        const delay = throttleDelaySeconds(admission.waitMs, receives - 1, this.random);
        metrics.addMetric('DeliveryThrottled', 'Count', 1);
        logger.debug('Over the hook’s rate limit; waiting', { ...ids, delaySeconds: delay });
        await this.deps.queue.postpone(record.receiptHandle, delay, ordered);
        return 'retry-later';
      }
    }

    const numbered = await this.nextAttemptNumber(message, record);
    const { attempt, decision } = await this.deps.delivery.attempt(hook, message, numbered, {
      scheduleIndex: numbered - message.priorAttempts,
      maxTimeoutMs: window.timeoutMs,
    });
    // The number it was logged under (another copy of the message may have taken the one we read).
    const attemptNumber = attempt.attempt;
    metrics.addMetric('DeliveryLatency', 'Milliseconds', attempt.latencyMs);
    if (message.orderingGroup && decision.action !== 'retry') await this.listAsFollower(message);
    if (decision.action === 'success') await this.applyBreaker(hook, failingSince, true, attempt.status);
    else {
      // A failure may start the breaker's clock or disable the hook: decided on the stored state.
      const fresh = await this.freshHookOf(message.tenant, message.hookId);
      if (fresh.hook) await this.applyBreaker(fresh.hook, fresh.failingSince, false, attempt.status);
    }

    if (decision.action === 'success') {
      metrics.addMetric('DeliverySucceeded', 'Count', 1);
      // Per delivery at DEBUG only: at INFO a success costs no log line (the attempt log holds it,
      // the batch's metrics count it); failures below are WARN/ERROR with their reason.
      logger.debug('Delivered', {
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
      await this.deps.queue.postpone(record.receiptHandle, decision.delaySeconds, ordered);
      return 'retry-later';
    }
    metrics.addMetric('DeliveryFailed', 'Count', 1);
    logger.error('Delivery failed; dead-lettered', {
      ...ids,
      attempt: attemptNumber,
      reason: decision.reason,
    });
    await this.deadLetter(message, decision.reason, attemptNumber);
    return 'done';
  }

  /** The next attempt's number: from the log, unless this is a message's first receive. */
  private nextAttemptNumber(message: DeliveryMessage, record: SQSRecord): Promise<number> {
    return this.deps.log.nextAttemptNumber(message.tenant, message.hookId, message.eventId, {
      priorAttempts: message.priorAttempts,
      firstReceive: record.attributes.ApproximateReceiveCount === '1',
    });
  }

  private async deadLetter(message: DeliveryMessage, reason: string, attempts: number): Promise<void> {
    await this.deps.deadLetters.record(deadLetterRecord(message, reason, attempts, this.now()));
  }

  /** An ordered delivery went out (or was given up) after an earlier one of its group died: say so on that one. */
  private async listAsFollower(message: DeliveryMessage): Promise<void> {
    const group = message.orderingGroup!;
    const deadLetterId = await this.deps.deadLetters.groupMarker(message.tenant, group);
    if (deadLetterId) {
      await this.deps.deadLetters.addFollower(message.tenant, group, deadLetterId, message.deliveryId);
    }
  }

  /** The circuit breaker after one attempt; a disabled hook is announced with `hook.disabled`. */
  private async applyBreaker(
    hook: Hook,
    failingSince: string | undefined,
    succeeded: boolean,
    status: number | undefined,
  ): Promise<void> {
    const now = this.now();
    const decision = breakerAfter(
      { succeeded, ...(status !== undefined ? { status } : {}) },
      failingSince,
      now,
      this.deps.disableAfterMs,
    );
    if (decision.action === 'clear') {
      await this.deps.hooks.clearFailing(hook.tenant, hook.id);
      // Healthy again: a kept copy must not clear it on every later success.
      this.hookCache.update(hookKey(hook.tenant, hook.id), (kept) => ({
        ...(kept.hook ? { hook: kept.hook } : {}),
      }));
    }
    if (decision.action === 'start-failing')
      await this.deps.hooks.markFailing(hook.tenant, hook.id, decision.since);
    if (decision.action !== 'disable') return;
    const disabled = await this.deps.hooks.disable(hook, decision.reason, now);
    if (!disabled) return; // another delivery disabled it first, and announced it
    metrics.addMetric('HookDisabled', 'Count', 1);
    logger.warn('Hook disabled by the circuit breaker', { hookId: hook.id, reason: decision.reason });
    const published = await this.deps.publisher.publish(hook.tenant, {
      type: 'hook.disabled',
      scope: hook.scope,
      data: {
        hook_id: hook.id,
        hook_name: hook.name,
        reason: decision.reason,
        disabled_at: now.toISOString(),
      },
    });
    logger.info('Announced hook.disabled', { hookId: hook.id, eventId: published.event.id });
  }
}
