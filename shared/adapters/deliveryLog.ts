import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Attempt, deliveryIdFor } from '../domain/delivery.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { queryAll, queryPage } from './queryAll.ts';

/** Attempts are kept this long, then DynamoDB's TTL removes them. */
export const ATTEMPT_RETENTION_DAYS = 30;

/** Attempt numbers in the sort key: three digits, so they sort as numbers up to 999. */
const ATTEMPT_DIGITS = 3;

/** How many hooks' partitions `ofEvent` queries at once. */
const EVENT_QUERY_CONCURRENCY = 16;

const hookPartition = (tenant: string, hookId: string) => `T#${tenant}#DLV#HOOK#${hookId}`;
const attemptKey = (eventId: string, attempt: number) =>
  `${eventId}#${String(attempt).padStart(ATTEMPT_DIGITS, '0')}`;

/**
 * The stored item: the attempt without what its key says (hook, event, attempt number) and
 * without its delivery id when that is `deliveryIdFor(eventId, hookId)` (every delivery Latchkey
 * makes today), plus the TTL.
 */
type AttemptItem = Omit<Attempt, 'deliveryId' | 'eventId' | 'hookId' | 'attempt'> & {
  pk: string;
  sk: string;
  deliveryId?: string;
  expiresAt: number;
};

/** Where the next attempt of a delivery starts counting from. */
export interface AttemptCount {
  /** Attempts made before this message was (re)enqueued (the message's `priorAttempts`). */
  priorAttempts: number;
  /**
   * The first receive of a message that was never re-driven: no attempt of it can have been
   * logged, so the number is `priorAttempts + 1` without reading the log.
   */
  firstReceive: boolean;
}

/**
 * Every delivery attempt, one item each, with a TTL: in its hook's partition
 * (`T#<t>#DLV#HOOK#<hook>`) under `<eventId>#<attempt, 3 digits>`. Event ids sort by ingest time
 * (domain/eventId.ts), so a hook's log reads newest event first with the attempts of one delivery
 * together, and an event's attempts are one `begins_with` query per hook the event record names.
 * No secondary index: one write unit per attempt of up to 1 KB. The log also counts attempts: the
 * next number of a delivery is one more than its last logged one.
 */
export class DeliveryLog {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Logs an attempt under its number. The put is conditional: if that number is taken (the same
   * message processed twice at once, which at-least-once SQS allows), the attempt is logged under
   * the next free number, and the attempt returned says which.
   */
  async record(tenant: string, attempt: Attempt): Promise<Attempt> {
    let logged = attempt;
    for (;;) {
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.toItem(tenant, logged),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return logged;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const last = await this.lastAttempt(tenant, attempt.hookId, attempt.eventId);
        logged = { ...logged, attempt: Math.max(last, logged.attempt) + 1 };
      }
    }
  }

  /**
   * The number of a delivery's next attempt. Counted from the log rather than from SQS's receive
   * count, because a delivery held by its hook's rate limit or behind an ordered predecessor is
   * received without being attempted. A first receive of a message never re-driven reads nothing.
   * A re-driven delivery continues from its count, even once its earlier attempts have expired.
   */
  async nextAttemptNumber(
    tenant: string,
    hookId: string,
    eventId: string,
    count: AttemptCount,
  ): Promise<number> {
    if (count.firstReceive && count.priorAttempts === 0) return 1;
    const last = await this.lastAttempt(tenant, hookId, eventId);
    return Math.max(last, count.priorAttempts) + 1;
  }

  /** The highest attempt number logged for (event, hook), 0 if none (read strongly consistent). */
  private async lastAttempt(tenant: string, hookId: string, eventId: string): Promise<number> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':p': hookPartition(tenant, hookId), ':e': `${eventId}#` },
        ProjectionExpression: 'sk',
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const sk = out.Items?.[0]?.sk as string | undefined;
    return sk ? Number(sk.slice(sk.lastIndexOf('#') + 1)) : 0;
  }

  /** A hook's attempts: newest event first, the attempts of one delivery together (latest first). */
  async ofHook(
    tenant: string,
    hookId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ attempts: Attempt[]; nextCursor?: string }> {
    const pk = hookPartition(tenant, hookId);
    const { items, nextCursor } = await queryPage(
      this.db,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': pk },
        ScanIndexForward: false,
      },
      { limit, cursor },
      { key: 'pk', value: pk },
    );
    return {
      attempts: items.map((item) => fromItem(hookId, item as unknown as AttemptItem)),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  /** All attempts of an event to these hooks (the ones its record names), oldest first per delivery. */
  async ofEvent(tenant: string, eventId: string, hookIds: readonly string[]): Promise<Attempt[]> {
    const attempts: Attempt[] = [];
    const hooks = [...new Set(hookIds)];
    for (let i = 0; i < hooks.length; i += EVENT_QUERY_CONCURRENCY) {
      const found = await Promise.all(
        hooks.slice(i, i + EVENT_QUERY_CONCURRENCY).map(async (hookId) => {
          const items = await queryAll(this.db, {
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :e)',
            ExpressionAttributeValues: { ':p': hookPartition(tenant, hookId), ':e': `${eventId}#` },
          });
          return items.map((item) => fromItem(hookId, item as unknown as AttemptItem));
        }),
      );
      attempts.push(...found.flat());
    }
    return attempts;
  }

  private toItem(tenant: string, attempt: Attempt): AttemptItem {
    const { deliveryId, eventId, hookId, attempt: number, test, ...rest } = attempt;
    return {
      pk: hookPartition(tenant, hookId),
      sk: attemptKey(eventId, number),
      ...rest,
      ...(test ? { test } : {}),
      ...(deliveryId !== deliveryIdFor(eventId, hookId) ? { deliveryId } : {}),
      expiresAt: Math.floor(Date.parse(attempt.at) / 1000) + ATTEMPT_RETENTION_DAYS * 86400,
    };
  }
}

function fromItem(hookId: string, item: AttemptItem): Attempt {
  // Written before the log was keyed by event: the whole attempt is under `attempt`.
  const older = (item as unknown as { attempt?: unknown }).attempt;
  if (typeof older === 'object' && older !== null) return older as Attempt;
  const { pk: _pk, sk, expiresAt: _expiresAt, deliveryId, ...rest } = item;
  const hash = sk.lastIndexOf('#');
  const eventId = sk.slice(0, hash);
  return {
    deliveryId: deliveryId ?? deliveryIdFor(eventId, hookId),
    eventId,
    hookId,
    attempt: Number(sk.slice(hash + 1)),
    ...rest,
  };
}
