import { AuditStore } from '../adapters/auditStore.ts';
import { dynamoDb, secretsManager, sqs } from '../adapters/awsClients.ts';
import { BookingStore } from '../adapters/bookingStore.ts';
import { CatalogStore } from '../adapters/catalogStore.ts';
import { DeliveryLog } from '../adapters/deliveryLog.ts';
import { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import { EventStore } from '../adapters/eventStore.ts';
import { GrantStore } from '../adapters/grantStore.ts';
import { HookStore } from '../adapters/hookStore.ts';
import { InterlockClient } from '../adapters/interlockClient.ts';
import { createOutboundHttp, type OutboundHttp } from '../adapters/outboundHttp.ts';
import { SecretStore } from '../adapters/secretStore.ts';
import { ServiceStore } from '../adapters/serviceStore.ts';
import { ThrottleStore } from '../adapters/throttleStore.ts';
import { TriggerStore } from '../adapters/triggerStore.ts';
import { config, optionalEnv } from '../config.ts';
import { RETRY_SCHEDULE_ENV, retryScheduleFromEnv } from '../domain/retryPolicy.ts';
import { logger } from '../observability/powertools.ts';
import { DeliveryService } from './deliveryService.ts';
import { Dispatcher } from './dispatcher.ts';
import { HookService } from './hookService.ts';
import { InterlockGuard } from './interlockGuard.ts';
import { InterlockService } from './interlockService.ts';
import { TriggerService } from './triggerService.ts';

/** `??=` for getters: builds a value on first use and keeps it. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

function build() {
  const table = config.tableName;
  const hooks = new HookStore(dynamoDb, table);
  const secrets = new SecretStore(secretsManager, config.secretPrefix);
  const catalog = new CatalogStore(dynamoDb, table);
  const grants = new GrantStore(dynamoDb, table);
  const deliveryLog = new DeliveryLog(dynamoDb, table);
  const events = new EventStore(dynamoDb, table);
  const bookings = new BookingStore(dynamoDb, table);
  const serviceStore = new ServiceStore(dynamoDb, table);
  const audit = new AuditStore(dynamoDb, table);
  // Only the functions that call out (dispatcher, test deliveries, interlocks) build these.
  const http = lazy<OutboundHttp>(() =>
    createOutboundHttp({ allowedPrivateRanges: config.allowedPrivateRanges }),
  );
  const delivery = lazy(() => {
    const timeout = Number(optionalEnv('DELIVERY_TIMEOUT_MS', '0'));
    return new DeliveryService({
      http: http(),
      secrets,
      log: deliveryLog,
      schedule: retryScheduleFromEnv(process.env[RETRY_SCHEDULE_ENV]),
      ...(timeout > 0 ? { timeoutMs: timeout } : {}),
    });
  });
  const queue = lazy(() => new DeliveryQueue(sqs, config.deliveryQueueUrl, config.deadLetterQueueUrl));
  const dispatcher = lazy(() => new Dispatcher(hooks, queue(), delivery()));
  const interlocks = lazy(
    () =>
      new InterlockService({
        services: serviceStore,
        bookings,
        audit,
        hooks,
        client: new InterlockClient(http(), secrets),
        onAuditFailure: (error, entry) =>
          logger.error('Interlock audit record lost', {
            error: error as Error,
            serviceId: entry.serviceId,
            action: entry.action,
            result: entry.result,
          }),
      }),
  );
  const hookService = new HookService({ hooks, secrets, catalog, grants });
  const triggers = lazy(
    () =>
      new TriggerService({
        triggers: new TriggerStore(dynamoDb, table),
        throttle: new ThrottleStore(dynamoDb, table),
        secrets,
        hooks,
        hookService,
        serviceStore,
        interlocks,
      }),
  );
  return {
    hooks,
    secrets,
    catalog,
    grants,
    deliveryLog,
    events,
    bookings,
    serviceStore,
    audit,
    hookService,
    interlockGuard: new InterlockGuard({
      audit,
      onRefusal: (entry) =>
        logger.warn('Interlock attempt refused', {
          serviceId: entry.serviceId,
          who: entry.who,
          route: entry.refused?.route,
          eventType: entry.refused?.eventType,
          hookId: entry.refused?.hookId,
        }),
    }),
    get delivery() {
      return delivery();
    },
    get queue() {
      return queue();
    },
    get dispatcher() {
      return dispatcher();
    },
    get interlocks() {
      return interlocks();
    },
    get triggers() {
      return triggers();
    },
  };
}

let built: ReturnType<typeof build> | undefined;

/**
 * The adapters and services of one Lambda instance, built on first use from the validated config
 * and the module-level SDK clients (so each is created once per cold start). What only some
 * functions need (the queue, the outbound HTTP client) is built when first asked for.
 */
export function services() {
  built ??= build();
  return built;
}
