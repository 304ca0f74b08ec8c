import { dynamoDb, secretsManager, sqs } from '../adapters/awsClients.ts';
import { BookingStore } from '../adapters/bookingStore.ts';
import { CatalogStore } from '../adapters/catalogStore.ts';
import { DeliveryLog } from '../adapters/deliveryLog.ts';
import { DeliveryQueue } from '../adapters/deliveryQueue.ts';
import { EventStore } from '../adapters/eventStore.ts';
import { GrantStore } from '../adapters/grantStore.ts';
import { HookStore } from '../adapters/hookStore.ts';
import { createOutboundHttp } from '../adapters/outboundHttp.ts';
import { SecretStore } from '../adapters/secretStore.ts';
import { config, optionalEnv } from '../config.ts';
import { RETRY_SCHEDULE_ENV, retryScheduleFromEnv } from '../domain/retryPolicy.ts';
import { DeliveryService } from './deliveryService.ts';
import { Dispatcher } from './dispatcher.ts';
import { HookService } from './hookService.ts';

function build() {
  const table = config.tableName;
  const hooks = new HookStore(dynamoDb, table);
  const secrets = new SecretStore(secretsManager, config.secretPrefix);
  const catalog = new CatalogStore(dynamoDb, table);
  const grants = new GrantStore(dynamoDb, table);
  const deliveryLog = new DeliveryLog(dynamoDb, table);
  const events = new EventStore(dynamoDb, table);
  const bookings = new BookingStore(dynamoDb, table);
  const http = createOutboundHttp({ allowedPrivateRanges: config.allowedPrivateRanges });
  const timeout = Number(optionalEnv('DELIVERY_TIMEOUT_MS', '0'));
  const delivery = new DeliveryService({
    http,
    secrets,
    log: deliveryLog,
    schedule: retryScheduleFromEnv(process.env[RETRY_SCHEDULE_ENV]),
    ...(timeout > 0 ? { timeoutMs: timeout } : {}),
  });
  let queue: DeliveryQueue | undefined;
  const deliveryQueue = () => {
    queue ??= new DeliveryQueue(sqs, config.deliveryQueueUrl, config.deadLetterQueueUrl);
    return queue;
  };
  return {
    hooks,
    secrets,
    catalog,
    grants,
    deliveryLog,
    events,
    bookings,
    http,
    delivery,
    hookService: new HookService({ hooks, secrets, catalog, grants }),
    get queue() {
      return deliveryQueue();
    },
    get dispatcher() {
      return new Dispatcher(hooks, deliveryQueue(), delivery);
    },
  };
}

let built: ReturnType<typeof build> | undefined;

/**
 * The adapters and services of one Lambda instance, built on first use from the validated config
 * and the module-level SDK clients (so each is created once per cold start). The queue is only
 * required by the functions that use it.
 */
export function services() {
  built ??= build();
  return built;
}
