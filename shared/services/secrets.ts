import { SecretStore } from '../adapters/secretStore.ts';
import { secretsManager } from '../adapters/secretsClient.ts';
import { config } from '../config.ts';

let secrets: SecretStore | undefined;

/**
 * Hook and trigger credentials in Secrets Manager, once per Lambda instance. A module of its own
 * so outbound.ts can use it without importing services.ts, which the trigger function loads only
 * when it manages subscriptions (see triggerService() there).
 */
export function secretStore(): SecretStore {
  secrets ??= new SecretStore(secretsManager, config.secretPrefix);
  return secrets;
}
