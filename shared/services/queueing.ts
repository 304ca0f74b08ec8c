import { dynamoDb } from '../adapters/awsClients.ts';
import { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import { RateLimiter } from '../adapters/rateLimiter.ts';
import { sqs } from '../adapters/sqsClient.ts';
import { config } from '../config.ts';
import { DISABLE_AFTER_HOURS_ENV, disableAfterMsFromEnv } from '../domain/circuitBreaker.ts';
import { DeadLetterService } from './deadLetterService.ts';
import { Dispatcher } from './dispatcher.ts';
import { EventPublisher } from './eventPublisher.ts';
import { outbound } from './outbound.ts';
import { services } from './services.ts';

let queue: DeliveryQueue | undefined;
let publisher: EventPublisher | undefined;
let deadLetters: DeadLetterService | undefined;
let dispatcher: Dispatcher | undefined;

/**
 * The delivery queues and what uses them, for the functions that enqueue (event ingest, redrive,
 * recovery) and the dispatcher; only those import SQS. Built on first use, once per Lambda
 * instance.
 */
const wiring = {
  get queue(): DeliveryQueue {
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
  },
  /** Fan-out: `POST /v1/events` and the breaker's `hook.disabled`. */
  get publisher(): EventPublisher {
    const { hooks, events } = services();
    publisher ??= new EventPublisher(hooks, events, wiring.queue);
    return publisher;
  },
  get deadLetters(): DeadLetterService {
    deadLetters ??= new DeadLetterService(services().deadLetterStore, wiring.queue);
    return deadLetters;
  },
  get dispatcher(): Dispatcher {
    const { hooks, deadLetterStore, deliveryLog } = services();
    dispatcher ??= new Dispatcher({
      hooks,
      queue: wiring.queue,
      delivery: outbound().delivery,
      deadLetters: deadLetterStore,
      log: deliveryLog,
      limiter: new RateLimiter(dynamoDb, config.tableName),
      publisher: wiring.publisher,
      disableAfterMs: disableAfterMsFromEnv(process.env[DISABLE_AFTER_HOURS_ENV]),
    });
    return dispatcher;
  },
};

export function queueing() {
  return wiring;
}
