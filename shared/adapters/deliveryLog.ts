import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Attempt } from '../domain/delivery.ts';
import type { DocumentClient } from './awsClients.ts';
import { queryAll, queryPage } from './queryAll.ts';

/** Attempts are kept this long, then DynamoDB's TTL removes them. */
export const ATTEMPT_RETENTION_DAYS = 30;

const hookPartition = (tenant: string, hookId: string) => `T#${tenant}#DLV#HOOK#${hookId}`;
const eventPartition = (tenant: string, eventId: string) => `T#${tenant}#DLV#EVENT#${eventId}`;

/**
 * Every delivery attempt: by hook (`T#<t>#DLV#HOOK#<hook>`, newest first) and by event (gsi1,
 * `T#<t>#DLV#EVENT#<event>`), with a TTL.
 */
export class DeliveryLog {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async record(tenant: string, attempt: Attempt): Promise<void> {
    const sk = `${attempt.at}#${attempt.deliveryId}#${String(attempt.attempt).padStart(3, '0')}`;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: hookPartition(tenant, attempt.hookId),
          sk,
          gsi1pk: eventPartition(tenant, attempt.eventId),
          gsi1sk: sk,
          entity: 'attempt',
          attempt,
          expiresAt: Math.floor(Date.parse(attempt.at) / 1000) + ATTEMPT_RETENTION_DAYS * 86400,
        },
      }),
    );
  }

  /**
   * Counts an attempt of a delivery and returns its number. Counted here rather than from SQS's
   * receive count, because a delivery held by its hook's rate limit or behind an ordered
   * predecessor is received without being attempted.
   */
  async nextAttemptNumber(tenant: string, deliveryId: string, priorAttempts: number): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `T#${tenant}#DLV#STATE#${deliveryId}`, sk: 'ATTEMPTS' },
        UpdateExpression: 'ADD attempts :one SET expiresAt = :exp',
        ExpressionAttributeValues: {
          ':one': 1,
          ':exp': Math.floor(Date.now() / 1000) + ATTEMPT_RETENTION_DAYS * 86400,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    // Counted attempts expire with the log; a redrive after that still continues from its count.
    return Math.max(Number(out.Attributes?.attempts ?? 1), priorAttempts + 1);
  }

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
    return { attempts: items.map((i) => i.attempt as Attempt), ...(nextCursor ? { nextCursor } : {}) };
  }

  /** All attempts of an event, oldest first. */
  async ofEvent(tenant: string, eventId: string): Promise<Attempt[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': eventPartition(tenant, eventId) },
    });
    return items.map((item) => item.attempt as Attempt);
  }
}
