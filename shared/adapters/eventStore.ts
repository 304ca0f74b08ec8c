import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { deliveryIdFor } from '../domain/delivery.ts';
import { parseEventId } from '../domain/eventId.ts';
import type { DocumentClient } from './awsClients.ts';
import { isConditionFailure } from './conditionFailure.ts';
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
  /** One per hook, derived: `deliveryIdFor(id, hookId)`. */
  deliveryIds: string[];
  /** Set when some deliveries could not be enqueued (the publisher was answered 503). */
  incomplete?: string;
}

/** The events of one ingest request, as fan-out recorded them (in request order). */
export interface IngestRecord {
  /** The request key every event id of the request carries (`parseEventId(id).batchKey`). */
  key: string;
  receivedAt: string;
  events: { type: string; scope?: string | undefined; hookIds: string[] }[];
}

/**
 * The stored form of an ingest request: each distinct (type, scope) once with the hooks it
 * matched, and per position the index of its group; `missing` holds, per position, the hooks
 * whose delivery could not be enqueued. Nothing derivable is stored (ids, delivery ids), so a
 * request of ten events to one hook is one item well under 1 KB (one write unit).
 */
interface IngestItem {
  receivedAt: string;
  groups: { type: string; scope?: string; hookIds: string[] }[];
  positions: number[];
  missing?: Record<string, string[]>;
}

const requestSortKey = (key: string) => `EVENTS#${key}`;

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'completed'; response: { statusCode: number; body: unknown } }
  | { state: 'in-progress' }
  | { state: 'mismatch' };

/**
 * Accepted events, one item per ingest request (`T#<t>` / `EVENTS#<request key>`), and
 * Idempotency-Key records (`T#<t>` / `IDEM#<key>`), both with a TTL. An event is read from its
 * request's item by the request key and position its id carries. A key is claimed with a
 * conditional put before any work, completed with the response, and released if the work fails,
 * so a retry after a failure is not answered from cache.
 */
export class EventStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Records the events of one ingest request in one item; `missing` (position → hook ids) marks
   * the deliveries that could not be enqueued.
   */
  async save(tenant: string, record: IngestRecord, missing?: ReadonlyMap<number, string[]>): Promise<void> {
    const groups: IngestItem['groups'] = [];
    const groupOf = new Map<string, number>();
    const positions = record.events.map((event) => {
      const id = JSON.stringify([event.type, event.scope ?? null, event.hookIds]);
      let index = groupOf.get(id);
      if (index === undefined) {
        index =
          groups.push({
            type: event.type,
            ...(event.scope ? { scope: event.scope } : {}),
            hookIds: event.hookIds,
          }) - 1;
        groupOf.set(id, index);
      }
      return index;
    });
    const stored: IngestItem = {
      receivedAt: record.receivedAt,
      groups,
      positions,
      ...(missing && missing.size > 0
        ? { missing: Object.fromEntries([...missing].map(([position, ids]) => [String(position), ids])) }
        : {}),
    };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: keys.tenant(tenant),
          sk: requestSortKey(record.key),
          entity: 'events',
          ...stored,
          expiresAt: this.epoch() + EVENT_RETENTION_DAYS * 86400,
        },
      }),
    );
  }

  /** Forgets a whole ingest request (none of its deliveries could be enqueued). */
  async removeRequest(tenant: string, key: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: requestSortKey(key) },
      }),
    );
  }

  /** One event, read from its request's item; undefined for an unknown or malformed id. */
  async get(tenant: string, id: string): Promise<StoredEvent | undefined> {
    const parsed = parseEventId(id);
    if (!parsed) return undefined;
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.tenant(tenant), sk: requestSortKey(parsed.batchKey) },
      }),
    );
    const item = out.Item as IngestItem | undefined;
    const group = item?.groups[item.positions[parsed.position] ?? -1];
    if (!item || !group) return undefined;
    const missing = new Set(item.missing?.[String(parsed.position)] ?? []);
    const hookIds = group.hookIds.filter((hookId) => !missing.has(hookId));
    return {
      id,
      type: group.type,
      ...(group.scope ? { scope: group.scope } : {}),
      receivedAt: item.receivedAt,
      hookIds,
      deliveryIds: hookIds.map((hookId) => deliveryIdFor(id, hookId)),
      ...(missing.size > 0
        ? {
            incomplete: `${missing.size} of ${group.hookIds.length} deliveries could not be enqueued; the publisher was answered 503`,
          }
        : {}),
    };
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
      if (!isConditionFailure(err)) throw err;
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
