import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ThrottleWindow } from '../domain/trigger.ts';
import { resources } from '../resources.ts';
import type { DocumentClient } from './awsClients.ts';
import { keys } from './tableKeys.ts';

/**
 * Wrong-secret counters for trigger URLs: one item per (source address, window), incremented
 * atomically with `ADD` and removed by the table's TTL. Shared by every Lambda instance, so a
 * caller spreading guesses over concurrent instances is counted once, unlike an in-memory limit.
 */
export class ThrottleStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /** Wrong secrets counted for this source in this window. */
  async count(source: string, window: ThrottleWindow): Promise<number> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.throttle(source, window.start) }),
    );
    return Number(out.Item?.count ?? 0);
  }

  /** Counts one more wrong secret; answers the new count. */
  async recordFailure(source: string, window: ThrottleWindow): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.throttle(source, window.start),
        UpdateExpression: 'ADD #count :one SET #ttl = :expires, entity = :entity',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': resources.table.ttlAttribute },
        ExpressionAttributeValues: { ':one': 1, ':expires': window.expiresAt, ':entity': 'throttle' },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.count ?? 0);
  }
}
