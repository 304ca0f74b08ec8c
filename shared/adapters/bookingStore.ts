import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Booking } from '../domain/interlockWindow.ts';
import type { DocumentClient } from './awsClients.ts';
import { queryAll } from './queryAll.ts';

type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

/** What a booking event (`event.created` / `event.updated` / `event.deleted`) does to the bookings. */
export type BookingChange =
  | { op: 'put'; booking: Booking }
  /** `serviceId` / `userId` when the event carried them; the store finds them by booking id otherwise. */
  | { op: 'delete'; serviceId?: string; userId?: string; bookingId: string };

/** Bookings stay this long after their end (well past the 30-minute window), then DynamoDB's TTL removes them. */
export const BOOKING_RETENTION_DAYS = 30;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** An ISO 8601 instant, normalised to `toISOString()` form; undefined when unparseable. */
function instant(value: unknown): string | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * The booking change an ingested event means, or undefined when it is not a (usable) booking event.
 * Pure. `event.created` / `event.updated` need `event_id`, the service (`service_id`, else the
 * event's scope), `user_id`, and `start` / `end` as ISO 8601 with start ≤ end; `event.deleted`
 * needs only `event_id`.
 */
export function bookingFromEvent(
  type: string,
  data: Record<string, unknown>,
  scope?: string,
): BookingChange | undefined {
  const bookingId = text(data.event_id);
  if (bookingId === undefined) return undefined;
  const serviceId = text(data.service_id) ?? text(scope);
  const userId = text(data.user_id);
  if (type === 'event.deleted') {
    return {
      op: 'delete',
      bookingId,
      ...(serviceId !== undefined ? { serviceId } : {}),
      ...(userId !== undefined ? { userId } : {}),
    };
  }
  if (type !== 'event.created' && type !== 'event.updated') return undefined;
  const start = instant(data.start);
  const end = instant(data.end);
  if (serviceId === undefined || userId === undefined || start === undefined || end === undefined) {
    return undefined;
  }
  if (Date.parse(end) < Date.parse(start)) return undefined;
  const orderId = text(data.order_id);
  return {
    op: 'put',
    booking: { id: bookingId, serviceId, userId, start, end, ...(orderId !== undefined ? { orderId } : {}) },
  };
}

const bookingPartition = (tenant: string, serviceId: string) => `T#${tenant}#SVC#${serviceId}`;
const bookingKey = (userId: string, bookingId: string) => `BOOKING#${userId}#${bookingId}`;
/** Where a booking id lives (service and user), so a delete by id alone finds the booking. */
const aliasKey = (tenant: string, bookingId: string) => ({ pk: `T#${tenant}`, sk: `BOOKINGID#${bookingId}` });

interface Alias {
  serviceId: string;
  userId: string;
}

/**
 * Bookings for interlock authorisation: by service and user (`T#<tenant>#SVC#<service>` /
 * `BOOKING#<user>#<booking>`), so "this user's bookings on this service" is one keyed query, plus
 * an alias per booking id (`T#<tenant>` / `BOOKINGID#<booking>`) so updates that move a booking
 * and deletes that carry only the id find the old item. Both expire 30 days after the booking ends.
 */
export class BookingStore {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
  ) {}

  private async alias(tenant: string, bookingId: string): Promise<Alias | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: aliasKey(tenant, bookingId), ConsistentRead: true }),
    );
    return out.Item ? { serviceId: String(out.Item.serviceId), userId: String(out.Item.userId) } : undefined;
  }

  async apply(tenant: string, change: BookingChange): Promise<void> {
    const items: TransactItem[] = [];
    if (change.op === 'put') {
      const { booking } = change;
      const previous = await this.alias(tenant, booking.id);
      const expiresAt = Math.floor(Date.parse(booking.end) / 1000) + BOOKING_RETENTION_DAYS * 86400;
      items.push(
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: bookingPartition(tenant, booking.serviceId),
              sk: bookingKey(booking.userId, booking.id),
              entity: 'booking',
              booking,
              expiresAt,
            },
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...aliasKey(tenant, booking.id),
              entity: 'bookingAlias',
              serviceId: booking.serviceId,
              userId: booking.userId,
              expiresAt,
            },
          },
        },
      );
      if (previous && (previous.serviceId !== booking.serviceId || previous.userId !== booking.userId)) {
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: {
              pk: bookingPartition(tenant, previous.serviceId),
              sk: bookingKey(previous.userId, booking.id),
            },
          },
        });
      }
    } else {
      const stored = await this.alias(tenant, change.bookingId);
      const serviceId = stored?.serviceId ?? change.serviceId;
      const userId = stored?.userId ?? change.userId;
      items.push({ Delete: { TableName: this.tableName, Key: aliasKey(tenant, change.bookingId) } });
      if (serviceId !== undefined && userId !== undefined) {
        items.push({
          Delete: {
            TableName: this.tableName,
            Key: { pk: bookingPartition(tenant, serviceId), sk: bookingKey(userId, change.bookingId) },
          },
        });
      }
    }
    await this.db.send(new TransactWriteCommand({ TransactItems: items }));
  }

  /** Every booking of `userId` on the service (all pages). */
  async forUser(tenant: string, serviceId: string, userId: string): Promise<Booking[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':p': bookingPartition(tenant, serviceId), ':s': `BOOKING#${userId}#` },
    });
    const bookings = items.map((item) => item.booking as Booking);
    return bookings.filter((b) => b.userId === userId);
  }
}
