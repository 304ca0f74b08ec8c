import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DeadLetterRecord, MAX_FOLLOWERS_LISTED } from '../domain/deadLetter.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { queryAll, queryPage } from './queryAll.ts';
import { keys } from './tableKeys.ts';

/** Dead letters are kept this long (the SQS maximum retention is 14 days; the table keeps more). */
export const DEAD_LETTER_RETENTION_DAYS = 30;

const tenantPartition = (tenant: string) => `${keys.tenant(tenant)}#DL`;
const hookPartition = (tenant: string, hookId: string) => `${keys.tenant(tenant)}#DL#HOOK#${hookId}`;
const groupKey = (group: string) => `OGROUP#${group}`;

export interface DeadLetterPage {
  letters: DeadLetterRecord[];
  nextCursor?: string;
}

/**
 * Dead letters in the table: `T#<t>#DL` / `<id>` (the tenant's, newest first; an id is enough to
 * find one), indexed on gsi1 by hook and time (`T#<t>#DL#HOOK#<hook>` / `<failedAt>#<id>`) for a
 * hook's listing and the recover window. A redrive claims a letter by deleting it (conditional),
 * so two redrives never enqueue the same letter twice. For ordered hooks, a marker per message
 * group (`T#<t>` / `OGROUP#<group>`) names the group's last dead letter, so the deliveries that
 * follow it are listed on it.
 */
export class DeadLetterStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async record(letter: DeadLetterRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.item(letter),
      }),
    );
    if (letter.orderingGroup) {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.tenant(letter.tenant),
            sk: groupKey(letter.orderingGroup),
            entity: 'orderingGroupMarker',
            deadLetterId: letter.id,
            expiresAt: this.expiry(letter.failedAt),
          },
        }),
      );
    }
  }

  /** The tenant's dead letters (or one hook's), newest first. */
  async list(
    tenant: string,
    options: { hookId?: string; limit: number; cursor?: string },
  ): Promise<DeadLetterPage> {
    const byHook = options.hookId !== undefined;
    const partition = byHook ? hookPartition(tenant, options.hookId!) : tenantPartition(tenant);
    const { items, nextCursor } = await queryPage(
      this.db,
      {
        TableName: this.tableName,
        ...(byHook ? { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p' } : {}),
        ...(byHook ? {} : { KeyConditionExpression: 'pk = :p' }),
        ExpressionAttributeValues: { ':p': partition },
        ScanIndexForward: false,
      },
      options,
      { key: byHook ? 'gsi1pk' : 'pk', value: partition },
    );
    return {
      letters: items.map((i) => i.letter as DeadLetterRecord),
      ...(nextCursor ? { nextCursor } : {}),
    };
  }

  /** Every dead letter of a hook that failed in [since, until]. */
  async ofHookBetween(tenant: string, hookId: string, since: Date, until: Date): Promise<DeadLetterRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':p': hookPartition(tenant, hookId),
        ':from': since.toISOString(),
        ':to': `${until.toISOString()}~`,
      },
    });
    return items.map((i) => i.letter as DeadLetterRecord);
  }

  /** Every dead letter of the tenant, or of one hook (oldest first). */
  async all(tenant: string, hookId?: string): Promise<DeadLetterRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      ...(hookId
        ? { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p' }
        : { KeyConditionExpression: 'pk = :p' }),
      ExpressionAttributeValues: { ':p': hookId ? hookPartition(tenant, hookId) : tenantPartition(tenant) },
    });
    return items.map((i) => i.letter as DeadLetterRecord);
  }

  /**
   * Takes a dead letter out of the table for a redrive: a conditional delete, so of two concurrent
   * redrives only one gets it. Undefined when it is not (or no longer) there.
   */
  async claim(tenant: string, id: string): Promise<DeadLetterRecord | undefined> {
    try {
      const out = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: tenantPartition(tenant), sk: id },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes?.letter as DeadLetterRecord | undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** Puts a claimed letter back (its redrive could not be enqueued). */
  async restore(letter: DeadLetterRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.item(letter) }));
  }

  /** The group's last dead letter, while there is one to report followers on. */
  async groupMarker(tenant: string, group: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: groupKey(group) } }),
    );
    return out.Item?.deadLetterId as string | undefined;
  }

  /**
   * Lists a delivery that went out after the group's dead letter on that letter. When the letter
   * was re-driven or its list is full, the marker goes: there is nothing more to report.
   */
  async addFollower(tenant: string, group: string, deadLetterId: string, deliveryId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: tenantPartition(tenant), sk: deadLetterId },
          UpdateExpression: 'SET #l.#f = list_append(if_not_exists(#l.#f, :empty), :d)',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#l.#f) OR size(#l.#f) < :max)',
          ExpressionAttributeNames: { '#l': 'letter', '#f': 'followedBy' },
          ExpressionAttributeValues: { ':empty': [], ':d': [deliveryId], ':max': MAX_FOLLOWERS_LISTED },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      await this.db
        .send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: keys.tenant(tenant), sk: groupKey(group) },
            ConditionExpression: 'deadLetterId = :id',
            ExpressionAttributeValues: { ':id': deadLetterId },
          }),
        )
        .catch((e: Error) => {
          if (!isConditionFailure(e)) throw e;
        });
    }
  }

  private item(letter: DeadLetterRecord): Record<string, unknown> {
    return {
      pk: tenantPartition(letter.tenant),
      sk: letter.id,
      gsi1pk: hookPartition(letter.tenant, letter.hookId),
      gsi1sk: `${letter.failedAt}#${letter.id}`,
      entity: 'deadLetter',
      letter,
      expiresAt: this.expiry(letter.failedAt),
    };
  }

  private expiry(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + DEAD_LETTER_RETENTION_DAYS * 86400;
  }
}
