import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { HookCredentials } from '../domain/hook.ts';

/** How long a fetched secret is reused before Secrets Manager is asked again. */
export const SECRET_CACHE_TTL_MS = 5 * 60 * 1000;
/** Deleting a hook schedules its secret's deletion; this long it can still be restored. */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

/** A trigger URL's secret (SPEC §7.4): the credential a PlaceOS/Rhombus caller presents. */
export interface TriggerCredentials {
  triggerSecret: string;
}

/** What one secret holds: a hook's credentials bundle or a trigger's secret, as JSON. */
export type StoredCredentials = HookCredentials | TriggerCredentials;

interface CacheEntry {
  credentials: StoredCredentials;
  expires: number;
}

/**
 * Credentials in Secrets Manager: one secret per hook (or trigger), named `<prefix>/<tenant>/<id>`,
 * holding the HookCredentials (or TriggerCredentials) JSON. Reads are cached per (secret, hook version) so a delivery does
 * not cost a GetSecretValue; a hook update changes the version and so misses the cache.
 */
export class SecretStore {
  private readonly cache = new Map<string, CacheEntry>();
  /** Loads in flight, so concurrent deliveries of one hook share one GetSecretValue. */
  private readonly inFlight = new Map<string, Promise<StoredCredentials>>();
  /** GetSecretValue calls made (for tests and the bench to prove the cache works). */
  fetches = 0;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  nameFor(tenant: string, hookId: string): string {
    return `${this.prefix}/${tenant}/${hookId}`;
  }

  /** Creates the hook's (or trigger's) secret, or writes a new version when it exists. Returns its name. */
  async save(
    tenant: string,
    hookId: string,
    credentials: StoredCredentials,
    existingRef?: string,
    owner: 'hook' | 'trigger' = 'hook',
  ): Promise<string> {
    const SecretString = JSON.stringify(credentials);
    if (existingRef) {
      await this.client.send(new PutSecretValueCommand({ SecretId: existingRef, SecretString }));
      this.forget(existingRef);
      return existingRef;
    }
    const name = this.nameFor(tenant, hookId);
    await this.client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString,
        Description: `Latchkey ${owner} ${hookId} credentials (tenant ${tenant})`,
        Tags: [
          { Key: 'latchkey:tenant', Value: tenant },
          { Key: `latchkey:${owner}`, Value: hookId },
        ],
      }),
    );
    return name;
  }

  /** The cached credentials of a hook (or trigger) version while fresh; undefined when `load` must fetch. */
  cached<T extends StoredCredentials = HookCredentials>(secretRef: string, version: string): T | undefined {
    const hit = this.cache.get(`${secretRef}@${version}`);
    return hit && hit.expires > this.now() ? (hit.credentials as T) : undefined;
  }

  /** The credentials of a hook (or trigger) version; cached for SECRET_CACHE_TTL_MS. */
  async load<T extends StoredCredentials = HookCredentials>(secretRef: string, version: string): Promise<T> {
    const key = `${secretRef}@${version}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.credentials as T;
    const pending = this.inFlight.get(key);
    if (pending) return (await pending) as T;
    const fetch = (async () => {
      this.fetches++;
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretRef }));
      const credentials = JSON.parse(out.SecretString ?? '{}') as StoredCredentials;
      this.forget(secretRef);
      this.cache.set(key, { credentials, expires: this.now() + SECRET_CACHE_TTL_MS });
      return credentials;
    })();
    this.inFlight.set(key, fetch);
    try {
      return (await fetch) as T;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Schedules deletion (recoverable for SECRET_RECOVERY_WINDOW_DAYS). */
  async scheduleDeletion(secretRef: string): Promise<void> {
    this.forget(secretRef);
    await this.client.send(
      new DeleteSecretCommand({ SecretId: secretRef, RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS }),
    );
  }

  private forget(secretRef: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${secretRef}@`)) this.cache.delete(key);
  }
}
