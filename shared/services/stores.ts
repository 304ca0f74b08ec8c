import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AuditStore } from '../adapters/auditStore.ts';
import { dynamoDb } from '../adapters/awsClients.ts';
import { BookingStore } from '../adapters/bookingStore.ts';
import { CatalogStore } from '../adapters/catalogStore.ts';
import { DeadLetterStore } from '../adapters/deadLetterStore.ts';
import { DeliveryLog } from '../adapters/deliveryLog.ts';
import { EventStore } from '../adapters/eventStore.ts';
import { GrantStore } from '../adapters/grantStore.ts';
import { HookStore } from '../adapters/hookStore.ts';
import { ServiceStore } from '../adapters/serviceStore.ts';
import { config } from '../config.ts';
import { logger, metrics } from '../observability/powertools.ts';

/**
 * The table adapters of one Lambda instance (DynamoDB only), each built on first use and kept.
 *
 * The wiring is layered — stores.ts → services.ts (+ Secrets Manager) → outbound.ts (+ outbound
 * HTTP) and queueing.ts (+ SQS) — and made of one accessor per part, so a function's bundle holds
 * only the parts its handler calls: esbuild drops every accessor nobody calls, and with it the
 * modules (and their zod schemas) only that part needed (package.json `sideEffects: false`).
 * Each such module costs cold start (issue 13; `npm run bench -- bundles`).
 */

let hooks: HookStore | undefined;
export function hookStore(): HookStore {
  // An unreadable hook item is skipped; say so with its key, and count it.
  hooks ??= new HookStore(dynamoDb, config.tableName, (key, reason) => {
    logger.error('Unreadable hook item skipped', { pk: key.pk, sk: key.sk, reason });
    metrics.addMetric('UnreadableItems', MetricUnit.Count, 1);
  });
  return hooks;
}

let catalog: CatalogStore | undefined;
export function catalogStore(): CatalogStore {
  catalog ??= new CatalogStore(dynamoDb, config.tableName);
  return catalog;
}

let grants: GrantStore | undefined;
export function grantStore(): GrantStore {
  grants ??= new GrantStore(dynamoDb, config.tableName);
  return grants;
}

let deliveryLogStore: DeliveryLog | undefined;
export function deliveryLog(): DeliveryLog {
  deliveryLogStore ??= new DeliveryLog(dynamoDb, config.tableName);
  return deliveryLogStore;
}

let deadLetters: DeadLetterStore | undefined;
export function deadLetterStore(): DeadLetterStore {
  deadLetters ??= new DeadLetterStore(dynamoDb, config.tableName);
  return deadLetters;
}

let events: EventStore | undefined;
export function eventStore(): EventStore {
  events ??= new EventStore(dynamoDb, config.tableName);
  return events;
}

let bookings: BookingStore | undefined;
export function bookingStore(): BookingStore {
  bookings ??= new BookingStore(dynamoDb, config.tableName);
  return bookings;
}

let services: ServiceStore | undefined;
export function serviceStore(): ServiceStore {
  services ??= new ServiceStore(dynamoDb, config.tableName);
  return services;
}

let audit: AuditStore | undefined;
export function auditStore(): AuditStore {
  audit ??= new AuditStore(dynamoDb, config.tableName);
  return audit;
}
