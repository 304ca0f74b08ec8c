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

function build() {
  const table = config.tableName;
  return {
    // An unreadable hook item is skipped; say so with its key, and count it.
    hooks: new HookStore(dynamoDb, table, (key, reason) => {
      logger.error('Unreadable hook item skipped', { pk: key.pk, sk: key.sk, reason });
      metrics.addMetric('UnreadableItems', MetricUnit.Count, 1);
    }),
    catalog: new CatalogStore(dynamoDb, table),
    grants: new GrantStore(dynamoDb, table),
    deliveryLog: new DeliveryLog(dynamoDb, table),
    deadLetterStore: new DeadLetterStore(dynamoDb, table),
    events: new EventStore(dynamoDb, table),
    bookings: new BookingStore(dynamoDb, table),
    serviceStore: new ServiceStore(dynamoDb, table),
    audit: new AuditStore(dynamoDb, table),
  };
}

let built: ReturnType<typeof build> | undefined;

/**
 * The table adapters of one Lambda instance (DynamoDB only), built on first use. The wiring is
 * layered so each function imports only what it calls: stores() → services() (+ Secrets Manager)
 * → outbound() (+ the outbound HTTP client) and queueing() (+ SQS).
 */
export function stores() {
  built ??= build();
  return built;
}
