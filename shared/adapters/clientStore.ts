import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientBinding } from '../domain/machineClient.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { queryAll } from './queryAll.ts';
import { keys } from './tableKeys.ts';

/**
 * Machine-client bindings (client id → tenant, roles, scopes): `CLIENT#<id>` / `BINDING`, listed per
 * tenant on gsi1 (`T#<tenant>#CLIENTS`). Reads for authentication are strongly consistent, so a
 * deleted binding is gone for the next uncached lookup.
 */
export class ClientStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a new binding; false when the client id is already bound (to any tenant). */
  async add(binding: ClientBinding): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.client(binding.clientId),
            sk: keys.clientBinding,
            gsi1pk: keys.clientsOfTenant(binding.tenant),
            gsi1sk: `${binding.createdAt}#${binding.clientId}`,
            entity: 'client',
            binding,
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

  /** The binding of a client id, whatever its tenant (authentication). */
  async get(clientId: string): Promise<ClientBinding | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.client(clientId), sk: keys.clientBinding },
        ConsistentRead: true,
      }),
    );
    return out.Item?.binding as ClientBinding | undefined;
  }

  /** The binding when it belongs to this tenant; another tenant's is undefined, as if it did not exist. */
  async getInTenant(tenant: string, clientId: string): Promise<ClientBinding | undefined> {
    const binding = await this.get(clientId);
    return binding?.tenant === tenant ? binding : undefined;
  }

  /** The tenant's clients, oldest first. */
  async list(tenant: string): Promise<ClientBinding[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': keys.clientsOfTenant(tenant) },
    });
    return items.map((item) => item.binding as ClientBinding);
  }

  /** Deletes the binding if it belongs to this tenant; returns what was deleted. */
  async remove(tenant: string, clientId: string): Promise<ClientBinding | undefined> {
    try {
      const out = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: keys.client(clientId), sk: keys.clientBinding },
          ConditionExpression: '#b.tenant = :t',
          ExpressionAttributeNames: { '#b': 'binding' },
          ExpressionAttributeValues: { ':t': tenant },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return out.Attributes?.binding as ClientBinding | undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }
}
