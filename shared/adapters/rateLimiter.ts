import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Admission, admit } from '../domain/rateLimit.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { keys } from './tableKeys.ts';

/** How often a contended admission is tried again before the delivery is held for a moment. */
const MAX_TRIES = 6;
/** The hold after losing every try to other dispatchers (the window is busy anyway). */
const CONTENDED_WAIT_MS = 250;

/**
 * One DynamoDB item per rate-limited hook (`T#<t>` / `RATE#<hook>`) holding the start times of its
 * recent deliveries and a version. Admission reads it strongly consistently, decides with the pure
 * sliding-window rule (shared/domain/rateLimit.ts), and writes back only if the version is still
 * the one read: every dispatcher instance shares the one limit, none can take a place another
 * took. Two requests per admitted delivery.
 */
export class RateLimiter {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async take(tenant: string, hookId: string, limit: number): Promise<Admission> {
    const key = { pk: keys.tenant(tenant), sk: `RATE#${hookId}` };
    for (let i = 0; i < MAX_TRIES; i++) {
      const out = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const version = (out.Item?.version as number | undefined) ?? 0;
      const decision = admit((out.Item?.recent as number[] | undefined) ?? [], this.now(), limit);
      if (!decision.admitted) return decision;
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              entity: 'rateWindow',
              recent: decision.recent,
              version: version + 1,
              expiresAt: Math.floor(this.now() / 1000) + 3600,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        );
        return decision;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    return { admitted: false, waitMs: CONTENDED_WAIT_MS };
  }
}
