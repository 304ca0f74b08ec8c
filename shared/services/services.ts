import { logger } from '../observability/powertools.ts';
import { hookService } from './hooks.ts';
import { InterlockGuard } from './interlockGuard.ts';
import { secretStore } from './secrets.ts';
import {
  auditStore,
  bookingStore,
  catalogStore,
  deadLetterStore,
  deliveryLog,
  eventStore,
  grantStore,
  hookStore,
  serviceStore,
} from './stores.ts';

/**
 * What stores.ts adds Secrets Manager to: hook credentials, the hook service and the interlock
 * guard of one Lambda instance, each built on first use from the validated config and the
 * module-level SDK clients (so each is created once per cold start). A function that only reads
 * the table calls stores.ts alone and loads neither Secrets Manager nor an HTTP client.
 */

export { hookService, secretStore };

let guard: InterlockGuard | undefined;
export function interlockGuard(): InterlockGuard {
  guard ??= new InterlockGuard({
    audit: auditStore(),
    onRefusal: (entry) =>
      logger.warn('Interlock attempt refused', {
        serviceId: entry.serviceId,
        who: entry.who,
        route: entry.refused?.route,
        eventType: entry.refused?.eventType,
        hookId: entry.refused?.hookId,
      }),
  });
  return guard;
}

/**
 * This layer and the one below as one object of getters, for a handler that uses most of them
 * (Events). A handler that uses a few parts calls their accessors, so its bundle holds no others.
 */
export function services() {
  return {
    get hooks() {
      return hookStore();
    },
    get catalog() {
      return catalogStore();
    },
    get grants() {
      return grantStore();
    },
    get deliveryLog() {
      return deliveryLog();
    },
    get deadLetterStore() {
      return deadLetterStore();
    },
    get events() {
      return eventStore();
    },
    get bookings() {
      return bookingStore();
    },
    get serviceStore() {
      return serviceStore();
    },
    get audit() {
      return auditStore();
    },
    get secrets() {
      return secretStore();
    },
    get hookService() {
      return hookService();
    },
    get interlockGuard() {
      return interlockGuard();
    },
  };
}
