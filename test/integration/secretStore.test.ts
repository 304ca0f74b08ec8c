import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { SecretStore } from '../../shared/adapters/secretStore.ts';
import { newTenant } from '../support/testApp.ts';

describe('SecretStore against the emulator', () => {
  const client = new SecretsManagerClient({
    endpoint: inject('emulatorEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  afterAll(() => client.destroy());

  it('fetches a hook’s credentials once per hook version, not once per delivery', async () => {
    let now = 1_000_000;
    const store = new SecretStore(client, `latchkey/cache-${newTenant()}`, () => now);
    const ref = await store.save('t1', 'hk_1', { password: 'p1' });
    // 20 concurrent deliveries on a cold cache share one fetch, and later ones hit the cache.
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => store.load(ref, 'v1')));
    expect(concurrent.every((c) => c.password === 'p1')).toBe(true);
    for (let i = 0; i < 50; i++) expect(await store.load(ref, 'v1')).toEqual({ password: 'p1' });
    expect(store.fetches).toBe(1);

    // An update writes a new secret version and a new hook version: the next load sees it.
    await store.save('t1', 'hk_1', { password: 'p2' }, ref);
    expect(await store.load(ref, 'v2')).toEqual({ password: 'p2' });
    expect(store.fetches).toBe(2);

    // After the cache lifetime the secret is read again (another Lambda may have rotated it).
    now += 5 * 60 * 1000 + 1;
    await store.load(ref, 'v2');
    expect(store.fetches).toBe(3);
  });
});
