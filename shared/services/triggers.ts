import { dynamoDb } from '../adapters/awsClients.ts';
import { ThrottleStore } from '../adapters/throttleStore.ts';
import { TriggerStore } from '../adapters/triggerStore.ts';
import { config } from '../config.ts';
import { interlockService } from './outbound.ts';
import { secretStore } from './secrets.ts';
import { hookStore, serviceStore } from './stores.ts';
import { TriggerService } from './triggerService.ts';

let triggers: TriggerService | undefined;
/**
 * PlaceOS/Rhombus trigger URLs; a door unlock goes through the interlocks. The hook service (hook
 * validation and its zod schemas, about 5 ms of CPU at cold start) is imported when a subscription is
 * managed — when a security system is set up, or a trigger deleted — not for the door calls
 * (authenticate, doors, unlock) that make up the traffic. Its own module, so no other function's
 * bundle holds that dynamic import (esbuild would make every module it reaches load lazily).
 */
export function triggerService(): TriggerService {
  triggers ??= new TriggerService({
    triggers: new TriggerStore(dynamoDb, config.tableName),
    throttle: new ThrottleStore(dynamoDb, config.tableName),
    secrets: secretStore(),
    hooks: hookStore(),
    hookService: async () => (await import('./hooks.ts')).hookService(),
    serviceStore: serviceStore(),
    interlocks: interlockService,
  });
  return triggers;
}
