import { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import { sqs } from '../adapters/sqsClient.ts';
import { config } from '../config.ts';
import { Dispatcher } from './dispatcher.ts';
import { outbound } from './outbound.ts';
import { services } from './services.ts';

let queue: DeliveryQueue | undefined;
let dispatcher: Dispatcher | undefined;

/**
 * The delivery queue and its consumer, for the functions that enqueue (event ingest, redrive) and
 * the dispatcher; only those import SQS. Built on first use, once per Lambda instance.
 */
const wiring = {
  get queue(): DeliveryQueue {
    queue ??= new DeliveryQueue(sqs, config.deliveryQueueUrl, config.deadLetterQueueUrl);
    return queue;
  },
  get dispatcher(): Dispatcher {
    dispatcher ??= new Dispatcher(services().hooks, wiring.queue, outbound().delivery);
    return dispatcher;
  },
};

export function queueing() {
  return wiring;
}
