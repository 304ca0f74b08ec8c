/**
 * Delivery hot path: one Latchkey attempt (payload rules, Standard Webhooks signing, SSRF check,
 * keep-alive undici request, retry decision) against a local receiver, compared in the same run
 * with a bare undici request (the floor) and a request that opens a new connection each time.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Agent, request } from 'undici';
import type { DeliveryLog } from '../shared/adapters/deliveryLog.ts';
import { createOutboundHttp } from '../shared/adapters/outboundHttp.ts';
import { SecretStore } from '../shared/adapters/secretStore.ts';
import type { DeliveryMessage } from '../shared/domain/delivery.ts';
import type { Hook } from '../shared/domain/hook.ts';
import { DeliveryService } from '../shared/services/deliveryService.ts';
import { percentile, printTable } from './table.ts';

const N = Number(process.env.BENCH_DELIVERIES ?? 3000);
const CONCURRENCY = 10;

async function run(label: string, once: (i: number) => Promise<void>) {
  // Warm-up (JIT, connection pool) so every path is measured warm.
  for (let i = 0; i < 300; i++) await once(-1 - i);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        const t = performance.now();
        await once(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    path: label,
    deliveries: N,
    'throughput (/s)': Math.round(N / seconds),
    'p50 (ms)': percentile(latencies, 50).toFixed(2),
    'p99 (ms)': percentile(latencies, 99).toFixed(2),
  };
}

export async function benchDelivery(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const body = JSON.stringify({ order_id: 'o-1', line_id: 'l-1', facility: 'north' });

  const keepAlive = new Agent();
  const baseline = await run('baseline: bare undici POST (keep-alive)', async () => {
    const res = await request(url, { method: 'POST', body, dispatcher: keepAlive });
    await res.body.text();
  });
  const fresh = await run('bare undici POST, new connection each time', async () => {
    const res = await request(url, {
      method: 'POST',
      body,
      headers: { connection: 'close' },
      dispatcher: keepAlive,
    });
    await res.body.text();
  });

  // A secret store answering from memory, as the cache does after the first fetch.
  const fakeClient = {
    send: async () => ({
      SecretString: JSON.stringify({ signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    }),
  } as unknown as SecretsManagerClient;
  const secrets = new SecretStore(fakeClient, 'bench');
  const delivery = new DeliveryService({
    http: createOutboundHttp({ allowedPrivateRanges: ['loopback'] }),
    secrets,
    log: { record: async () => undefined } as unknown as DeliveryLog,
    schedule: [30],
  });
  const now = new Date().toISOString();
  const hook: Hook = {
    id: 'hk_bench',
    number: 1,
    tenant: 'bench',
    name: 'bench',
    events: ['order.*'],
    url,
    method: 'POST',
    headers: { 'x-facility': 'north' },
    auth: { type: 'none' },
    data: { facility: 'north' },
    insecureTls: false,
    signing: { profile: 'standard', secretSet: true },
    device: { kind: 'webhook', channel: 0, onMeans: 'unlocked' },
    enabled: true,
    secretRef: 'bench/secret',
    createdAt: now,
    updatedAt: now,
  };
  const latchkey = await run('Latchkey attempt (payload, signature, guard, keep-alive)', async (i) => {
    const message: DeliveryMessage = {
      v: 1,
      deliveryId: `msg_${i}`,
      tenant: 'bench',
      eventId: `evt_${i}`,
      hookId: hook.id,
      type: 'order.created',
      data: { order_id: 'o-1', line_id: 'l-1' },
      occurredAt: now,
      priorAttempts: 0,
    };
    const { decision } = await delivery.attempt(hook, message, 1);
    if (decision.action !== 'success') throw new Error(`bench delivery failed: ${JSON.stringify(decision)}`);
  });
  printTable(`Delivery hot path (${N} deliveries, ${CONCURRENCY} concurrent, local receiver)`, [
    baseline,
    fresh,
    { ...latchkey, path: `${latchkey.path}; GetSecretValue calls: ${secrets.fetches}` },
  ]);
  await keepAlive.close();
  server.close();
}
