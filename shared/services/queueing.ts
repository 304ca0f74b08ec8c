import { dynamoDb } from '../adapters/awsClients.ts';
import { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import { RateLimiter } from '../adapters/rateLimiter.ts';
import { sqs } from '../adapters/sqsClient.ts';
import { config } from '../config.ts';
import { DISABLE_AFTER_HOURS_ENV, disableAfterMsFromEnv } from '../domain/circuitBreaker.ts';
import { DeadLetterService } from './deadLetterService.ts';
import { Dispatcher } from './dispatcher.ts';
import { EventIngest } from './eventIngest.ts';
import { EventPublisher } from './eventPublisher.ts';
import { deliveryService } from './outbound.ts';
import { hookService, interlockGuard } from './services.ts';
import { bookingStore, deadLetterStore, deliveryLog, eventStore, hookStore } from './stores.ts';

/**
 * The delivery queues and what uses them, for the functions that enqueue (event ingest, redrive,
 * recovery) and the dispatcher; only those import SQS. Each built on first use, once per Lambda
 * instance.
 */

let queue: DeliveryQueue | undefined;
export function deliveryQueue(): DeliveryQueue {
  // Getters: a function reads (and needs) only the queue URLs it uses.
  queue ??= new DeliveryQueue(sqs, {
    get queueUrl() {
      return config.deliveryQueueUrl;
    },
    get orderedQueueUrl() {
      return config.orderedDeliveryQueueUrl;
    },
    get deadLetterQueueUrl() {
      return config.deadLetterQueueUrl;
    },
  });
  return queue;
}

let publisher: EventPublisher | undefined;
/** Fan-out: the ingest routes and the breaker's `hook.disabled`. */
export function eventPublisher(): EventPublisher {
  publisher ??= new EventPublisher({ hooks: hookStore(), events: eventStore(), queue: deliveryQueue() });
  return publisher;
}

let ingest: EventIngest | undefined;
/** `POST /v1/events` and `POST /v1/events/batch`. */
export function eventIngest(): EventIngest {
  ingest ??= new EventIngest({
    publisher: eventPublisher(),
    events: eventStore(),
    bookings: bookingStore(),
    hookService: hookService(),
    interlockGuard: interlockGuard(),
  });
  return ingest;
}

let deadLetters: DeadLetterService | undefined;
export function deadLetterService(): DeadLetterService {
  deadLetters ??= new DeadLetterService(deadLetterStore(), deliveryQueue());
  return deadLetters;
}

let dispatcher: Dispatcher | undefined;
export function deliveryDispatcher(): Dispatcher {
  dispatcher ??= new Dispatcher({
    hooks: hookStore(),
    queue: deliveryQueue(),
    delivery: deliveryService(),
    deadLetters: deadLetterStore(),
    log: deliveryLog(),
    limiter: new RateLimiter(dynamoDb, config.tableName),
    publisher: eventPublisher(),
    disableAfterMs: disableAfterMsFromEnv(process.env[DISABLE_AFTER_HOURS_ENV]),
  });
  return dispatcher;
}

/**
 * The parts of this layer the Events handler uses, as one object of getters (see services()). Only
 * what Events calls: a getter here puts its part, used or not, in the Events bundle.
 */
export function queueing() {
  return {
    get queue() {
      return deliveryQueue();
    },
    get publisher() {
      return eventPublisher();
    },
    get ingest() {
      return eventIngest();
    },
    get deadLetters() {
      return deadLetterService();
    },
  };
}
