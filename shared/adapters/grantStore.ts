import { DeleteCommand, GetCommand, PutCommand, type QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { queryAll } from './queryAll.ts';
import { keys } from './tableKeys.ts';

export interface Grant {
  hookId: string;
  principalId: string;
  grantedBy: string;
  grantedAt: string;
}

/**
 * Which hooks a webhook_user may see: `T#<tenant>` / `GRANT#<hookId>#<principal>`, also indexed
 * by principal on gsi1 (`T#<tenant>#PRINCIPAL#<principal>`).
 */
export class GrantStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async put(tenant: string, grant: Grant): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: keys.tenant(tenant),
          sk: keys.grant(grant.hookId, grant.principalId),
          gsi1pk: keys.principal(tenant, grant.principalId),
          gsi1sk: keys.hook(grant.hookId),
          entity: 'grant',
          grant,
        },
      }),
    );
  }

  async remove(tenant: string, hookId: string, principalId: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.grant(hookId, principalId) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return out.Attributes !== undefined;
  }

  async has(tenant: string, hookId: string, principalId: string): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.grant(hookId, principalId) },
      }),
    );
    return out.Item !== undefined;
  }

  async ofHook(tenant: string, hookId: string): Promise<Grant[]> {
    return this.query({
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': keys.tenant(tenant), ':s': keys.grantsOfHook(hookId) },
    });
  }

  async ofPrincipal(tenant: string, principalId: string): Promise<Grant[]> {
    return this.query({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :s)',
      ExpressionAttributeValues: { ':p': keys.principal(tenant, principalId), ':s': 'HOOK#' },
    });
  }

  async removeAllOfHook(tenant: string, hookId: string): Promise<void> {
    for (const grant of await this.ofHook(tenant, hookId))
      await this.remove(tenant, hookId, grant.principalId);
  }

  private async query(
    input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Grant[]> {
    const items = await queryAll(this.db, { ...input, TableName: this.tableName });
    return items.map((item) => item.grant as Grant);
  }
}
