import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { keys } from './tableKeys.ts';

/** Accepted events are kept this long (their attempts for ATTEMPT_RETENTION_DAYS). */
export const EVENT_RETENTION_DAYS = 30;
/** An Idempotency-Key answers with the first response for this long. */
export const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface StoredEvent {
  id: string;
  type: string;
  scope?: string;
  receivedAt: string;
  /** Hooks the event was enqueued for (one delivery each). */
  hookIds: string[];
  deliveryIds: string[];
  /** Set when some deliveries could not be enqueued (the publisher was answered 503). */
  incomplete?: string;
}

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'completed'; response: { statusCode: number; body: unknown } }
  | { state: 'in-progress' }
  | { state: 'mismatch' };

/**
 * Accepted events (`T#<t>` / `EVENT#<id>`) and Idempotency-Key records (`T#<t>` / `IDEM#<key>`),
 * both with a TTL. A key is claimed with a conditional put before any work, completed with the
 * response, and released if the work fails, so a retry after a failure is not answered from cache.
 */
export class EventStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async save(tenant: string, event: StoredEvent): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: keys.tenant(tenant),
          sk: `EVENT#${event.id}`,
          entity: 'event',
          event,
          expiresAt: this.epoch() + EVENT_RETENTION_DAYS * 86400,
        },
      }),
    );
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: `EVENT#${id}` } }),
    );
  }

  async get(tenant: string, id: string): Promise<StoredEvent | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: `EVENT#${id}` } }),
    );
    return out.Item?.event as StoredEvent | undefined;
  }

  static fingerprint(body: unknown): string {
    return createHash('sha256')
      .update(JSON.stringify(body ?? null))
      .digest('hex');
  }

  async claim(tenant: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const now = this.epoch();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.tenant(tenant),
            sk: `IDEM#${key}`,
            entity: 'idempotency',
            state: 'in-progress',
            fingerprint,
            expiresAt: now + IDEMPOTENCY_WINDOW_SECONDS,
          },
          // A record past its window counts as absent even before TTL deletion catches up.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return { state: 'claimed' };
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: `IDEM#${key}` } }),
    );
    const item = out.Item;
    if (!item) return this.claim(tenant, key, fingerprint);
    if (item.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (item.state === 'completed') {
      return { state: 'completed', response: item.response as { statusCode: number; body: unknown } };
    }
    return { state: 'in-progress' };
  }

  async complete(
    tenant: string,
    key: string,
    response: { statusCode: number; body: unknown },
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: `IDEM#${key}` },
        UpdateExpression: 'SET #s = :c, #r = :r',
        ExpressionAttributeNames: { '#s': 'state', '#r': 'response' },
        ExpressionAttributeValues: { ':c': 'completed', ':r': response },
      }),
    );
  }

  async release(tenant: string, key: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: `IDEM#${key}` } }),
    );
  }

  private epoch(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}
