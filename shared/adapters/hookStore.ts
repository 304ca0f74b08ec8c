import { BatchGetCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { candidatePatterns, type Hook, hookFiresFor } from '../domain/hook.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
import { queryAll, queryPage } from './queryAll.ts';
import { keys } from './tableKeys.ts';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

export interface HookPage {
  hooks: Hook[];
  nextCursor?: string;
}

/** Told about a stored item that cannot be read as a hook (it is skipped). */
export type UnreadableItemHandler = (key: { pk: unknown; sk: unknown }, reason: string) => void;

/**
 * A hook is stored as JSON text, not as a DynamoDB map: its `data` and headers are values Latchkey
 * does not interpret, and text keeps them byte for byte (no number marshalling, no empty-key or
 * nesting limits of maps). Items written before held a map; both are read.
 */
function encodeHook(hook: Hook): string {
  return JSON.stringify(hook);
}

/**
 * Hooks in DynamoDB. Per hook: the hook item (`T#<tenant>` / `HOOK#<id>`, also indexed by scope on
 * gsi1), a number alias (the Ovation routes address hooks by number), and one match-index item per
 * event pattern (`T#<tenant>#SUB#<pattern>` / `HOOK#<id>`, holding a copy of the hook) so that
 * finding the hooks of an event is a few keyed queries, never a scan. All written in one transaction.
 * Items hold no secret value, only the Secrets Manager name (`secretRef`).
 */
export class HookStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    /** Functions log it with its key and count it (services.ts); it is skipped either way. */
    private readonly onUnreadable: UnreadableItemHandler,
  ) {}

  /** The hook an item holds; undefined (logged, counted) when it cannot be read, so one bad item breaks nothing. */
  private decode(item: Record<string, unknown> | undefined): Hook | undefined {
    if (!item) return undefined;
    try {
      const hook = (typeof item.hook === 'string' ? JSON.parse(item.hook) : item.hook) as Hook | undefined;
      if (
        !hook ||
        typeof hook.id !== 'string' ||
        !Array.isArray(hook.events) ||
        typeof hook.data !== 'object'
      ) {
        throw new Error('not a hook');
      }
      return hook;
    } catch (err) {
      this.onUnreadable({ pk: item.pk, sk: item.sk }, (err as Error).message);
      return undefined;
    }
  }

  private decodeAll(items: Record<string, unknown>[]): Hook[] {
    return items.map((item) => this.decode(item)).filter((hook): hook is Hook => hook !== undefined);
  }

  /** Allocates the tenant's next hook number (atomic counter). */
  async nextNumber(tenant: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.hookCounter },
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.value);
  }

  async get(tenant: string, id: string): Promise<Hook | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: keys.hook(id) } }),
    );
    return this.decode(out.Item);
  }

  /**
   * The hook and its breaker state: since when every delivery has failed (kept on the hook item
   * beside the hook, so it costs no extra read; any write of the hook through the API clears it).
   */
  async getWithHealth(tenant: string, id: string): Promise<{ hook?: Hook; failingSince?: string }> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.tenant(tenant), sk: keys.hook(id) } }),
    );
    const hook = this.decode(out.Item);
    const failingSince = out.Item?.failingSince as string | undefined;
    return { ...(hook ? { hook } : {}), ...(failingSince ? { failingSince } : {}) };
  }

  /** Starts the breaker's clock, unless another delivery already did. */
  async markFailing(tenant: string, id: string, since: string): Promise<void> {
    await this.updateHealth(tenant, id, 'SET failingSince = if_not_exists(failingSince, :s)', {
      ':s': since,
    });
  }

  /** A delivery succeeded: the hook is healthy again. */
  async clearFailing(tenant: string, id: string): Promise<void> {
    await this.updateHealth(tenant, id, 'REMOVE failingSince');
  }

  /**
   * Disables the hook with the breaker's reason. Conditional on the stored hook still being the one
   * read, so of several deliveries tripping the breaker at once only one disables it (and announces
   * it), and an update made meanwhile through the API is not overwritten.
   */
  async disable(hook: Hook, reason: string, at: Date): Promise<Hook | undefined> {
    const disabled: Hook = {
      ...hook,
      enabled: false,
      disabled: { reason, at: at.toISOString() },
      updatedAt: at.toISOString(),
    };
    try {
      await this.put(disabled, hook, { ifUnchanged: true });
      return disabled;
    } catch (err) {
      if ((err as Error).name === 'TransactionCanceledException') return undefined;
      throw err;
    }
  }

  private async updateHealth(
    tenant: string,
    id: string,
    expression: string,
    values?: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.tenant(tenant), sk: keys.hook(id) },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk)',
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (err) {
      // The hook was deleted meanwhile: nothing to keep health for.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async getByNumber(tenant: string, number: number): Promise<Hook | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: keys.hookNumber(number) },
      }),
    );
    const id = out.Item?.hookId as string | undefined;
    return id ? this.get(tenant, id) : undefined;
  }

  async getMany(tenant: string, ids: string[]): Promise<Hook[]> {
    const hooks: Hook[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      let request: Record<string, { Keys: Record<string, string>[] }> | undefined = {
        [this.tableName]: {
          Keys: ids.slice(i, i + 100).map((id) => ({ pk: keys.tenant(tenant), sk: keys.hook(id) })),
        },
      };
      while (request && Object.keys(request).length > 0) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        hooks.push(...this.decodeAll(out.Responses?.[this.tableName] ?? []));
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return hooks.sort((a, b) => a.number - b.number);
  }

  /** A page of the tenant's hooks (oldest first), optionally only those with one scope. */
  async list(tenant: string, options: { limit: number; cursor?: string; scope?: string }): Promise<HookPage> {
    const byScope = options.scope !== undefined;
    const partition = byScope ? keys.scope(tenant, options.scope) : keys.tenant(tenant);
    const { items, nextCursor } = await queryPage(
      this.db,
      {
        TableName: this.tableName,
        ...(byScope
          ? { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p AND begins_with(gsi1sk, :s)' }
          : { KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)' }),
        ExpressionAttributeValues: { ':p': partition, ':s': 'HOOK#' },
      },
      options,
      { key: byScope ? 'gsi1pk' : 'pk', value: partition },
    );
    return { hooks: this.decodeAll(items), ...(nextCursor ? { nextCursor } : {}) };
  }

  /** Every hook of the tenant with this scope (all pages). */
  async listAllInScope(tenant: string, scope: string): Promise<Hook[]> {
    const hooks: Hook[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(tenant, { limit: 100, scope, ...(cursor ? { cursor } : {}) });
      hooks.push(...page.hooks);
      cursor = page.nextCursor;
    } while (cursor);
    return hooks.sort((a, b) => a.number - b.number);
  }

  /**
   * Writes a hook with its number alias and match-index items, removing index items for patterns
   * it no longer has. `previous` is the stored version being replaced (undefined on create, where
   * the write fails if the id exists).
   */
  async put(hook: Hook, previous?: Hook, options: { ifUnchanged?: boolean } = {}): Promise<void> {
    const pk = keys.tenant(hook.tenant);
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.hook(hook.id),
            gsi1pk: keys.scope(hook.tenant, hook.scope),
            gsi1sk: keys.hook(hook.id),
            entity: 'hook',
            hook: encodeHook(hook),
          },
          ...(previous
            ? options.ifUnchanged
              ? {
                  // Still exactly the hook that was read (the breaker disables what it saw, once).
                  ConditionExpression: '#h = :previous',
                  ExpressionAttributeNames: { '#h': 'hook' },
                  ExpressionAttributeValues: { ':previous': encodeHook(previous) },
                }
              : {}
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
    ];
    if (!previous) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: keys.hookNumber(hook.number), entity: 'hookNumber', hookId: hook.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    for (const pattern of hook.events) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: keys.subscription(hook.tenant, pattern),
            sk: keys.hook(hook.id),
            entity: 'subscription',
            hook: encodeHook(hook),
          },
        },
      });
    }
    for (const pattern of previous?.events ?? []) {
      if (hook.events.includes(pattern)) continue;
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: { pk: keys.subscription(hook.tenant, pattern), sk: keys.hook(hook.id) },
        },
      });
    }
    await this.db.send(new TransactWriteCommand({ TransactItems: items }));
  }

  async delete(hook: Hook): Promise<void> {
    const pk = keys.tenant(hook.tenant);
    const items: TransactItem[] = [
      { Delete: { TableName: this.tableName, Key: { pk, sk: keys.hook(hook.id) } } },
      { Delete: { TableName: this.tableName, Key: { pk, sk: keys.hookNumber(hook.number) } } },
      ...hook.events.map(
        (pattern): TransactItem => ({
          Delete: {
            TableName: this.tableName,
            Key: { pk: keys.subscription(hook.tenant, pattern), sk: keys.hook(hook.id) },
          },
        }),
      ),
    ];
    await this.db.send(new TransactWriteCommand({ TransactItems: items }));
  }

  /**
   * The enabled hooks of a tenant that fire for an event: one keyed query per candidate pattern
   * (`order.created`, `order.*`, `*`), then the scope and enabled filters.
   */
  async findMatching(tenant: string, type: string, scope: string | undefined): Promise<Hook[]> {
    const pages = await Promise.all(
      candidatePatterns(type).map(async (pattern) => {
        const items = await queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': keys.subscription(tenant, pattern) },
        });
        return this.decodeAll(items);
      }),
    );
    const byId = new Map<string, Hook>();
    for (const hook of pages.flat()) if (hookFiresFor(hook, type, scope)) byId.set(hook.id, hook);
    return [...byId.values()].sort((a, b) => a.number - b.number);
  }
}
