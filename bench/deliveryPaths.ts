/**
 * Child process of bench/delivery.ts (its stdout, where Powertools logs go at the deployed INFO
 * level, is discarded): runs every delivery path against the receiver process, interleaved in
 * rounds (A, B, C, ..., A, B, C, ...), and sends each round's figures to the parent over IPC.
 */
import http from 'node:http';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSRecord } from 'aws-lambda';
import { Agent } from 'undici';
import type { DeadLetterStore } from '../shared/adapters/deadLetterStore.ts';
import type { DeliveryLog } from '../shared/adapters/deliveryLog.ts';
import type { DeliveryQueue } from '../shared/adapters/deliveryQueue.ts';
import type { HookStore } from '../shared/adapters/hookStore.ts';
import { createOutboundHttp } from '../shared/adapters/outboundHttp.ts';
import type { RateLimiter } from '../shared/adapters/rateLimiter.ts';
import { SecretStore } from '../shared/adapters/secretStore.ts';
import type { DeliveryMessage } from '../shared/domain/delivery.ts';
import type { Hook } from '../shared/domain/hook.ts';
import { DeliveryService } from '../shared/services/deliveryService.ts';
import { Dispatcher } from '../shared/services/dispatcher.ts';
import type { EventPublisher } from '../shared/services/eventPublisher.ts';
import { percentile } from './table.ts';

export interface PathFigures {
  path: string;
  round: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time of this process per delivery (user + system): what load on a shared machine disturbs least. */
  cpuMicros: number;
}

const url = new URL(process.env.BENCH_RECEIVER_URL!);
const N = Number(process.env.BENCH_DELIVERIES ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);

/** A JSON document of about `bytes` bytes. */
function document(bytes: number): Record<string, unknown> {
  const base = { order_id: 'o-1', line_id: 'l-1', facility: 'north', notes: '' };
  return { ...base, notes: 'x'.repeat(Math.max(0, bytes - JSON.stringify(base).length)) };
}

// The floor: a raw keep-alive client, same concurrency, same body, nothing else.
const keepAlive = new http.Agent({ keepAlive: true });
function rawNodeHttp(body: string): () => Promise<void> {
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: keepAlive, headers },
        (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
const undiciAgent = new Agent({ keepAliveTimeout: 30_000 });
function rawUndici(body: string): () => Promise<void> {
  return async () => {
    const res = await undiciAgent.request({
      origin: url.origin,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.body.dump();
  };
}

// Latchkey: the dispatcher's own code with the AWS parts answered from memory (the secret as the
// cache holds it after its first fetch, the hook as DynamoDB returns it, the log write a no-op).
const now = new Date().toISOString();
const hook: Hook = {
  id: 'hk_bench',
  number: 1,
  tenant: 'bench',
  name: 'bench',
  events: ['order.*'],
  url: url.href,
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
const secretsClient = {
  send: async () => ({
    SecretString: JSON.stringify({ signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  }),
} as unknown as SecretsManagerClient;
const secrets = new SecretStore(secretsClient, 'bench');
const delivery = new DeliveryService({
  http: createOutboundHttp({ allowedPrivateRanges: ['loopback'] }),
  secrets,
  log: { record: async (_t: string, attempt: unknown) => attempt } as unknown as DeliveryLog,
  schedule: [30],
});
const unexpected = async () => {
  throw new Error('bench delivery was not a success');
};
const dispatcher = new Dispatcher({
  hooks: { getWithHealth: async () => ({ hook }) } as unknown as HookStore,
  queue: { postpone: unexpected, deadLetter: unexpected } as unknown as DeliveryQueue,
  delivery,
  deadLetters: { record: unexpected, groupMarker: unexpected } as unknown as DeadLetterStore,
  // The attempt log is one DynamoDB put in the real dispatcher (a first receive reads nothing).
  log: {
    record: async (_t: string, attempt: unknown) => attempt,
    nextAttemptNumber: async (_t: string, _h: string, _e: string, count: { priorAttempts: number }) =>
      count.priorAttempts + 1,
  } as unknown as DeliveryLog,
  limiter: { take: unexpected } as unknown as RateLimiter,
  publisher: { publish: unexpected } as unknown as EventPublisher,
  disableAfterMs: Number.POSITIVE_INFINITY,
});

function message(i: number, data: Record<string, unknown>): DeliveryMessage {
  return {
    v: 1,
    deliveryId: `dlv_${i}`,
    tenant: 'bench',
    eventId: `evt_${i}`,
    hookId: hook.id,
    type: 'order.created',
    data,
    occurredAt: now,
    priorAttempts: 0,
  };
}

// Latchkey's outbound client alone, same request as the floor: what the client adds to a raw request.
const outboundAlone = createOutboundHttp({ allowedPrivateRanges: ['loopback'] });
function latchkeyClient(body: string): () => Promise<void> {
  const headers = { 'content-type': 'application/json' };
  return async () => {
    const res = await outboundAlone.send({
      url: url.href,
      method: 'POST',
      headers,
      body,
      timeoutMs: 10_000,
      insecureTls: false,
    });
    if (res.status !== 200) throw new Error(`bench request answered ${res.status}`);
  };
}

function latchkeyAttempt(data: Record<string, unknown>): (i: number) => Promise<void> {
  return async (i) => {
    const { decision } = await delivery.attempt(hook, message(i, data), 1);
    if (decision.action !== 'success') throw new Error(`bench delivery failed: ${JSON.stringify(decision)}`);
  };
}

/** Deliveries run before each round's timing (their indexes are -1 ... -WARM_UP). */
const WARM_UP = Math.min(200, N);

function dispatcherRecord(data: Record<string, unknown>): (i: number) => Promise<void> {
  // The message bodies are made before any timing: writing them is the queue's work, not the dispatcher's.
  const bodies = new Map<number, string>();
  for (let i = -WARM_UP; i < N; i++) bodies.set(i, JSON.stringify(message(i, data)));
  return async (i) => {
    const record = {
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: bodies.get(i)!,
      attributes: { ApproximateReceiveCount: '1' },
    } as unknown as SQSRecord;
    if ((await dispatcher.process(record)) !== 'done') throw new Error('bench record not delivered');
  };
}

interface Path {
  name: string;
  /** Records handled together, as one SQS batch (1: every delivery on its own). */
  batch: number;
  once: (i: number) => Promise<void>;
}

const kb = document(1024);
const kb64 = document(64 * 1024);
const paths: Path[] = [
  { name: 'floor: raw node:http keep-alive, 1 KB', batch: 1, once: rawNodeHttp(JSON.stringify(kb)) },
  { name: 'floor: raw undici keep-alive, 1 KB', batch: 1, once: rawUndici(JSON.stringify(kb)) },
  { name: 'Latchkey outbound client alone, 1 KB', batch: 1, once: latchkeyClient(JSON.stringify(kb)) },
  { name: 'Latchkey attempt, 1 KB', batch: 1, once: latchkeyAttempt(kb) },
  { name: 'floor: raw node:http keep-alive, 64 KB', batch: 1, once: rawNodeHttp(JSON.stringify(kb64)) },
  { name: 'Latchkey attempt, 64 KB', batch: 1, once: latchkeyAttempt(kb64) },
  { name: 'Latchkey dispatcher, batch 1, 1 KB', batch: 1, once: dispatcherRecord(kb) },
  { name: 'Latchkey dispatcher, batch 10, 1 KB', batch: 10, once: dispatcherRecord(kb) },
];

/** N deliveries, CONCURRENCY in flight: CONCURRENCY/batch workers, each running a batch at a time. */
async function run(path: Path, round: number): Promise<PathFigures> {
  for (let i = 0; i < WARM_UP; i += path.batch) {
    await Promise.all(Array.from({ length: path.batch }, (_, k) => path.once(-1 - i - k)));
  }
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const workers = Math.max(1, Math.floor(CONCURRENCY / path.batch));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < N) {
        const first = next;
        next = Math.min(N, next + path.batch);
        const t = performance.now();
        await Promise.all(
          Array.from({ length: next - first }, async (_, k) => {
            await path.once(first + k);
            latencies.push(performance.now() - t);
          }),
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    path: path.name,
    round,
    perSecond: N / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMicros: (used.user + used.system) / N,
  };
}

/** BENCH_ONLY=text runs only the paths whose name contains it (for profiling one path). */
const only = process.env.BENCH_ONLY?.toLowerCase();
const chosen = only ? paths.filter((p) => p.name.toLowerCase().includes(only)) : paths;
for (let round = 0; round < ROUNDS; round++) {
  for (const path of chosen) process.send?.(await run(path, round));
}
await new Promise<void>((resolve) =>
  process.send?.({ done: true, secretFetches: secrets.fetches }, () => resolve()),
);
keepAlive.destroy();
await undiciAgent.close();
process.exit(0);
