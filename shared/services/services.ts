import { dynamoDb, secretsManager } from '../adapters/awsClients.ts';
import { CatalogStore } from '../adapters/catalogStore.ts';
import { GrantStore } from '../adapters/grantStore.ts';
import { HookStore } from '../adapters/hookStore.ts';
import { SecretStore } from '../adapters/secretStore.ts';
import { config } from '../config.ts';
import { HookService } from './hookService.ts';

/**
 * The adapters and services of one Lambda instance, built on first use from the validated
 * config and the module-level SDK clients (so each is created once per cold start).
 */
let built:
  | {
      hooks: HookStore;
      secrets: SecretStore;
      catalog: CatalogStore;
      grants: GrantStore;
      hookService: HookService;
    }
  | undefined;

export function services() {
  if (!built) {
    const table = config.tableName;
    const hooks = new HookStore(dynamoDb, table);
    const secrets = new SecretStore(secretsManager, config.secretPrefix);
    const catalog = new CatalogStore(dynamoDb, table);
    const grants = new GrantStore(dynamoDb, table);
    built = {
      hooks,
      secrets,
      catalog,
      grants,
      hookService: new HookService({ hooks, secrets, catalog, grants }),
    };
  }
  return built;
}
