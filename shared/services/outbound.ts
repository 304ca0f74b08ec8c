import { InterlockClient } from '../adapters/interlockClient.ts';
import { createOutboundHttp, type OutboundHttp } from '../adapters/outboundHttp.ts';
import { config, optionalEnv } from '../config.ts';
import { RETRY_SCHEDULE_ENV, retryScheduleFromEnv } from '../domain/retryPolicy.ts';
import { logger } from '../observability/powertools.ts';
import { DeliveryService } from './deliveryService.ts';
import { InterlockService } from './interlockService.ts';
import { secretStore } from './secrets.ts';
import { auditStore, bookingStore, deliveryLog, hookStore, serviceStore } from './stores.ts';

/**
 * What the functions that call out (dispatcher, test deliveries, interlocks, trigger unlocks) add
 * to services.ts: the outbound HTTP client, deliveries and interlock controls (trigger URLs:
 * triggers.ts), each built on first use and kept for the Lambda instance. Only those functions
 * import this module.
 */

let http: OutboundHttp | undefined;
export function outboundHttp(): OutboundHttp {
  http ??= createOutboundHttp({
    allowedPrivateRanges: config.allowedPrivateRanges,
    publicTargets: config.publicTargets,
  });
  return http;
}

let delivery: DeliveryService | undefined;
export function deliveryService(): DeliveryService {
  if (!delivery) {
    const timeout = Number(optionalEnv('DELIVERY_TIMEOUT_MS', '0'));
    delivery = new DeliveryService({
      http: outboundHttp(),
      secrets: secretStore(),
      log: deliveryLog(),
      schedule: retryScheduleFromEnv(process.env[RETRY_SCHEDULE_ENV]),
      ...(timeout > 0 ? { timeoutMs: timeout } : {}),
    });
  }
  return delivery;
}

let interlocks: InterlockService | undefined;
export function interlockService(): InterlockService {
  interlocks ??= new InterlockService({
    services: serviceStore(),
    bookings: bookingStore(),
    audit: auditStore(),
    hooks: hookStore(),
    client: new InterlockClient(outboundHttp(), secretStore()),
    onAuditFailure: (error, entry) =>
      logger.error('Interlock audit record lost', {
        error: error as Error,
        serviceId: entry.serviceId,
        action: entry.action,
        result: entry.result,
      }),
  });
  return interlocks;
}

/**
 * The parts of this layer the Events handler uses, as one object of getters (see services()). Only
 * what Events calls: a getter here puts its part, used or not, in the Events bundle.
 */
export function outbound() {
  return {
    get http() {
      return outboundHttp();
    },
    get delivery() {
      return deliveryService();
    },
  };
}
