import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { queryAll } from './queryAll.ts';
import { keys } from './tableKeys.ts';

export interface CustomEventType {
  name: string;
  description?: string;
  createdAt: string;
}

/** The tenant's added event types (`T#<tenant>` / `ETYPE#<name>`); built-ins are not stored. */
export class CatalogStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async list(tenant: string): Promise<CustomEventType[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': keys.tenant(tenant), ':s': 'ETYPE#' },
    });
    return items.map((item) => item.eventType as CustomEventType);
  }

  /** Adds a type; false when it already existed. */
  async add(tenant: string, type: CustomEventType): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.tenant(tenant),
            sk: keys.eventType(type.name),
            entity: 'eventType',
            eventType: type,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Removes a type; false when there was none. */
  async remove(tenant: string, name: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.eventType(name) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes !== undefined;
  }
}
