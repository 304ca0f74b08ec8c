import { dynamoDb } from '../adapters/awsClients.ts';
import { InterlockClient } from '../adapters/interlockClient.ts';
import { createOutboundHttp } from '../adapters/outboundHttp.ts';
import { ThrottleStore } from '../adapters/throttleStore.ts';
import { TriggerStore } from '../adapters/triggerStore.ts';
import { config, optionalEnv } from '../config.ts';
import { RETRY_SCHEDULE_ENV, retryScheduleFromEnv } from '../domain/retryPolicy.ts';
import { logger } from '../observability/powertools.ts';
import { DeliveryService } from './deliveryService.ts';
import { InterlockService } from './interlockService.ts';
import { services } from './services.ts';
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
  const base = services();
  const http = lazy(() =>
    createOutboundHttp({
      allowedPrivateRanges: config.allowedPrivateRanges,
      publicTargets: config.publicTargets,
    }),
  );
  const delivery = lazy(() => {
    const timeout = Number(optionalEnv('DELIVERY_TIMEOUT_MS', '0'));
    return new DeliveryService({
      http: http(),
      secrets: base.secrets,
      log: base.deliveryLog,
      schedule: retryScheduleFromEnv(process.env[RETRY_SCHEDULE_ENV]),
      ...(timeout > 0 ? { timeoutMs: timeout } : {}),
    });
  });
  const interlocks = lazy(
    () =>
      new InterlockService({
        services: base.serviceStore,
        bookings: base.bookings,
        audit: base.audit,
        hooks: base.hooks,
        client: new InterlockClient(http(), base.secrets),
        onAuditFailure: (error, entry) =>
          logger.error('Interlock audit record lost', {
            error: error as Error,
            serviceId: entry.serviceId,
            action: entry.action,
            result: entry.result,
          }),
      }),
  );
  const triggers = lazy(
    () =>
      new TriggerService({
        triggers: new TriggerStore(dynamoDb, config.tableName),
        throttle: new ThrottleStore(dynamoDb, config.tableName),
        secrets: base.secrets,
        hooks: base.hooks,
        hookService: base.hookService,
        serviceStore: base.serviceStore,
        interlocks,
      }),
  );
  return {
    get http() {
      return http();
    },
    get delivery() {
      return delivery();
    },
    get interlocks() {
      return interlocks();
    },
    /** PlaceOS/Rhombus trigger URLs; a door unlock goes through the interlocks. */
    get triggers() {
      return triggers();
    },
  };
}

let built: ReturnType<typeof build> | undefined;

/**
 * What the functions that call out (dispatcher, test deliveries, interlocks, trigger unlocks) add to services():
 * the outbound HTTP client, deliveries and interlock controls, each built on first use. Only
 * those functions import this module.
 */
export function outbound() {
  built ??= build();
  return built;
}
