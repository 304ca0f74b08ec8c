import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Subscription, Trigger } from '../domain/trigger.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { queryAll, queryPage } from './queryAll.ts';
import { keys } from './tableKeys.ts';

export interface TriggerPage {
  triggers: Trigger[];
  nextCursor?: string;
}

/**
 * Triggers and their subscriptions in DynamoDB. Per trigger: the tenant's item (`T#<tenant>` /
 * `TRIGGER#<id>`, for the admin routes) and a lookup copy under its id alone (`TRIGGER#<id>` /
 * `TRIGGER`): a trigger URL names no tenant, so this is how a public call finds its trigger with
 * one keyed read. Per subscription: `T#<tenant>` / `TRIGSUB#<triggerId>#<key>`. No secret value,
 * only the Secrets Manager name.
 */
export class TriggerStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a trigger and its lookup copy; `create` fails if the id exists. */
  async put(trigger: Trigger, mode: 'create' | 'replace'): Promise<void> {
    const condition = mode === 'create' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {};
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                pk: keys.tenant(trigger.tenant),
                sk: keys.trigger(trigger.id),
                entity: 'trigger',
                trigger,
              },
              ...condition,
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...keys.triggerLookup(trigger.id), entity: 'triggerLookup', trigger },
              ...condition,
            },
          },
        ],
      }),
    );
  }

  async get(tenant: string, id: string): Promise<Trigger | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: keys.trigger(id) } }),
    );
    return out.Item?.trigger as Trigger | undefined;
  }

  /** The trigger a public URL names, whatever its tenant. */
  async lookup(id: string): Promise<Trigger | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.triggerLookup(id) }),
    );
    return out.Item?.trigger as Trigger | undefined;
  }

  async list(tenant: string, options: { limit: number; cursor?: string }): Promise<TriggerPage> {
    const pk = keys.tenant(tenant);
    const { items, nextCursor } = await queryPage(
      this.db,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': pk, ':s': keys.trigger('') },
      },
      options,
      { key: 'pk', value: pk },
    );
    return { triggers: items.map((i) => i.trigger as Trigger), ...(nextCursor ? { nextCursor } : {}) };
  }

  async delete(trigger: Trigger): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: this.tableName,
              Key: { pk: keys.tenant(trigger.tenant), sk: keys.trigger(trigger.id) },
            },
          },
          { Delete: { TableName: this.tableName, Key: keys.triggerLookup(trigger.id) } },
        ],
      }),
    );
  }

  async getSubscription(tenant: string, triggerId: string, key: string): Promise<Subscription | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.subscriptionOfTrigger(triggerId, key) },
      }),
    );
    return out.Item?.subscription as Subscription | undefined;
  }

  /**
   * Writes a subscription record. `create` succeeds only if none exists for that URL yet and
   * answers false when another request created it first (two concurrent subscribes).
   */
  async putSubscription(
    tenant: string,
    key: string,
    subscription: Subscription,
    mode: 'create' | 'replace',
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.tenant(tenant),
            sk: keys.subscriptionOfTrigger(subscription.triggerId, key),
            entity: 'triggerSubscription',
            subscription,
          },
          ...(mode === 'create' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (mode === 'create' && isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Removes a subscription record; answers the removed one (undefined when there was none). */
  async deleteSubscription(
    tenant: string,
    triggerId: string,
    key: string,
  ): Promise<Subscription | undefined> {
    const out = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.subscriptionOfTrigger(triggerId, key) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes?.subscription as Subscription | undefined;
  }

  /** Every subscription of a trigger, oldest key first. */
  async subscriptions(tenant: string, triggerId: string): Promise<Subscription[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: {
        ':p': keys.tenant(tenant),
        ':s': keys.subscriptionOfTrigger(triggerId, ''),
      },
    });
    return items
      .map((i) => i.subscription as Subscription)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
