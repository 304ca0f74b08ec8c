import { config } from '../config.ts';
import { HookService } from './hookService.ts';
import { secretStore } from './secrets.ts';
import { catalogStore, grantStore, hookStore } from './stores.ts';

let hooks: HookService | undefined;

/**
 * The hook service of one Lambda instance (services.ts re-exports it). A module of its own so the
 * trigger function can import it on first use (outbound.ts triggerService()).
 */
export function hookService(): HookService {
  hooks ??= new HookService({
    hooks: hookStore(),
    secrets: secretStore(),
    catalog: catalogStore(),
    grants: grantStore(),
    targets: { allowedRanges: config.allowedPrivateRanges, publicTargets: config.publicTargets },
  });
  return hooks;
}
