import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './awsClients.ts';
import { queryPage } from './queryAll.ts';

/** The tag that turns a service's interlock controls on (the resource system's "Service Tags"). */
export const INTERLOCK_TAG = 'has_interlock';

/** A bookable service (instrument) of a tenant. */
export interface Service {
  id: string;
  name: string;
  tags: string[];
  updatedAt: string;
}

export interface ServicePage {
  services: Service[];
  nextCursor?: string;
}

const servicePartition = (tenant: string) => `T#${tenant}`;
const serviceKey = (id: string) => `SERVICE#${id}`;

export function hasInterlock(service: Service): boolean {
  return service.tags.includes(INTERLOCK_TAG);
}

/** Services in DynamoDB: `T#<tenant>` / `SERVICE#<id>`, next to the tenant's hooks. */
export class ServiceStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenant: string, id: string): Promise<Service | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: servicePartition(tenant), sk: serviceKey(id) },
      }),
    );
    return out.Item?.service as Service | undefined;
  }

  /** Creates or replaces a service; answers whether it existed before. */
  async put(tenant: string, service: Service): Promise<{ created: boolean }> {
    const out = await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: servicePartition(tenant), sk: serviceKey(service.id), entity: 'service', service },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { created: out.Attributes === undefined };
  }

  /** A page of the tenant's services, by id. */
  async list(tenant: string, options: { limit: number; cursor?: string }): Promise<ServicePage> {
    const pk = servicePartition(tenant);
    const { items, nextCursor } = await queryPage(
      this.db,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': pk, ':s': 'SERVICE#' },
      },
      options,
      { key: 'pk', value: pk },
    );
    return { services: items.map((item) => item.service as Service), ...(nextCursor ? { nextCursor } : {}) };
  }
}
