import { SecretStore } from '../adapters/secretStore.ts';
import { secretsManager } from '../adapters/secretsClient.ts';
import { config } from '../config.ts';
import { logger } from '../observability/powertools.ts';
import { HookService } from './hookService.ts';
import { InterlockGuard } from './interlockGuard.ts';
import { stores } from './stores.ts';

function build() {
  const tables = stores();
  const secrets = new SecretStore(secretsManager, config.secretPrefix);
  return {
    ...tables,
    secrets,
    hookService: new HookService({
      hooks: tables.hooks,
      secrets,
      catalog: tables.catalog,
      grants: tables.grants,
      targets: { allowedRanges: config.allowedPrivateRanges, publicTargets: config.publicTargets },
    }),
    interlockGuard: new InterlockGuard({
      audit: tables.audit,
      onRefusal: (entry) =>
        logger.warn('Interlock attempt refused', {
          serviceId: entry.serviceId,
          who: entry.who,
          route: entry.refused?.route,
          eventType: entry.refused?.eventType,
          hookId: entry.refused?.hookId,
        }),
    }),
  };
}

let built: ReturnType<typeof build> | undefined;

/**
 * The table adapters, hook credentials and the hook service of one Lambda instance, built on first
 * use from the validated config and the module-level SDK clients (so each is created once per cold
 * start). Functions that call out use outbound.ts, functions that queue use queueing.ts; a function
 * that only reads the table uses stores.ts and loads neither Secrets Manager nor an HTTP client.
 */
export function services() {
  built ??= build();
  return built;
}
