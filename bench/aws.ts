/**
 * The figures that involve AWS calls, with the real handlers of local mode (scripts/local/app.ts)
 * against the emulator: the interlock latency table (lock and status through the handler next to
 * calling the device directly, and the AWS calls per interlock call) and the cost table (AWS
 * requests of one successful and one retried delivery, end to end, priced per million).
 *
 * AWS calls are counted by a middleware on the functions' own SDK clients; the event source
 * mapping's SQS calls (receive, delete) are made here, as Lambda's poller makes them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { functions } from '../functions/manifest.ts';
import { startLocalApp } from '../scripts/local/app.ts';
import { mintToken } from '../scripts/local/jwt.ts';
import { lambdaContext } from '../scripts/local/lambdaContext.ts';
import { dynamoDb } from '../shared/adapters/awsClients.ts';
import { BookingStore } from '../shared/adapters/bookingStore.ts';
import { secretsManager } from '../shared/adapters/secretsClient.ts';
import { sqs } from '../shared/adapters/sqsClient.ts';
import { RETRY_SCHEDULE_ENV } from '../shared/domain/retryPolicy.ts';
import { INTERLOCK_CACHE_TTL_MS } from '../shared/services/interlockService.ts';
import { forkHelper } from './delivery.ts';
import { median, percentile, printTable } from './table.ts';

/** Every AWS command the functions send while `counting` is on, by service. */
const sent: string[] = [];
let counting = false;
const note = (service: string, command: string | undefined) => {
  if (counting) sent.push(`${service} ${String(command).replace(/Command$/, '')}`);
};
const step = { step: 'initialize', name: 'benchCount' } as const;
dynamoDb.middlewareStack.add(
  (next, context) => async (args) => {
    note('DynamoDB', context.commandName);
    return next(args);
  },
  step,
);
sqs.middlewareStack.add(
  (next, context) => async (args) => {
    note('SQS', context.commandName);
    return next(args);
  },
  step,
);
secretsManager.middlewareStack.add(
  (next, context) => async (args) => {
    note('SecretsManager', context.commandName);
    return next(args);
  },
  step,
);

async function counted<T>(run: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  sent.length = 0;
  counting = true;
  try {
    const result = await run();
    return { result, calls: [...sent] };
  } finally {
    counting = false;
  }
}

const tally = (calls: string[]) => {
  const by = new Map<string, number>();
  for (const c of calls) by.set(c, (by.get(c) ?? 0) + 1);
  return [...by].map(([k, n]) => `${k}×${n}`).join(', ') || 'none';
};

async function timed(n: number, once: () => Promise<void>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export async function benchAws(): Promise<void> {
  const app = await startLocalApp({
    port: 0,
    consumeQueue: false,
    // As deployed: INFO logs and the metrics' EMF lines (both are CloudWatch Logs ingestion).
    env: { [RETRY_SCHEDULE_ENV]: '1', POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' },
  });
  const device = forkHelper('deviceProcess.ts');
  const deviceUrl = await new Promise<string>((resolve) =>
    device.once('message', (m) => resolve((m as { url: string }).url)),
  );
  // Handler logs (INFO, as deployed) are counted, not shown: they are part of the cost.
  let logBytes = 0;
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write.bind(s));
  const quiet = () => {
    for (const s of streams) {
      s.write = ((chunk: string | Uint8Array) => {
        logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        return true;
      }) as typeof s.write;
    }
  };
  const loud = () => {
    streams.forEach((s, i) => {
      s.write = writes[i]!;
    });
  };
  try {
    quiet();
    const interlockRows = await interlockTable(app.url, deviceUrl);
    const cost = await costTable(app, () => logBytes);
    loud();
    printTable(
      `Interlock latency, warm, ${process.env.BENCH_INTERLOCK_CALLS ?? 200} calls each (local API with JWT check + real handler + emulator for DynamoDB + device in its own process; service/target cache ${INTERLOCK_CACHE_TTL_MS / 1000} s; rows run in this order)`,
      interlockRows,
    );
    printTable(
      'AWS requests per delivery, end to end (counted on the functions’ clients and the event source mapping)',
      cost.counts,
    );
    printTable(
      'Cost per million 1 KB deliveries (us-east-1 on-demand prices, one hook per event) vs EventBridge API destinations $1.20',
      cost.rows,
    );
    console.log(`\nAssumptions: ${cost.assumptions.join(' ')}`);
  } finally {
    loud();
    device.kill();
    await app.stop();
  }
}

async function interlockTable(api: string, deviceUrl: string) {
  const tenant = `bench-${Date.now()}`;
  const staff = await mintToken({ tenant, roles: ['staff'], sub: 'sam' });
  const user = await mintToken({ tenant, roles: ['user'], sub: 'alice' });
  const serviceId = 'svc-bench';
  const send = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  };
  await send('PUT', `/v1/services/${serviceId}`, staff, { name: 'Bench', tags: ['has_interlock'] });
  await send('POST', '/v1/hooks', staff, {
    name: 'Door',
    events: ['interlock.lock'],
    scope: serviceId,
    url: `${deviceUrl}/lock`,
  });
  await send('POST', '/v1/hooks', staff, {
    name: 'Door status',
    events: ['interlock.status'],
    scope: serviceId,
    url: `${deviceUrl}/status`,
    method: 'GET',
  });
  await new BookingStore(dynamoDb, process.env.TABLE_NAME!).apply(tenant, {
    op: 'put',
    booking: {
      id: 'bk-bench',
      serviceId,
      userId: 'alice',
      start: new Date(Date.now() - 60_000).toISOString(),
      end: new Date(Date.now() + 3_600_000).toISOString(),
    },
  });
  const n = Number(process.env.BENCH_INTERLOCK_CALLS ?? 200);
  const direct = (method: string, path: string) => async () => {
    const res = await fetch(`${deviceUrl}${path}`, { method });
    await res.text();
  };
  const rows = [];
  for (const [label, method, path, token] of [
    ['lock (staff)', 'POST', 'lock', staff],
    ['lock (user with a booking)', 'POST', 'lock', user],
    ['status (staff)', 'GET', 'status', staff],
  ] as const) {
    const route = `/v1/interlocks/${serviceId}/${path}`;
    const first = await counted(() => send(method === 'GET' ? 'GET' : 'POST', route, token));
    const viaHandler = await timed(n, () => send(method === 'GET' ? 'GET' : 'POST', route, token));
    const viaDevice = await timed(n, direct(method, `/${path}`));
    const warm = await counted(() => send(method === 'GET' ? 'GET' : 'POST', route, token));
    rows.push({
      call: label,
      'handler p50 ms': viaHandler.p50.toFixed(1),
      'handler p99 ms': viaHandler.p99.toFixed(1),
      'device direct p50 ms': viaDevice.p50.toFixed(1),
      'device direct p99 ms': viaDevice.p99.toFixed(1),
      'AWS calls, first call': `${first.calls.length}: ${tally(first.calls)}`,
      'AWS calls, warm': `${warm.calls.length}: ${tally(warm.calls)}`,
    });
  }
  return rows;
}

/** Published on-demand prices, us-east-1 (USD). */
const price = {
  httpApiPerMillion: 1.0,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  sqsPerMillion: 0.4,
  dynamoWriteUnitPerMillion: 0.625,
  dynamoReadUnitPerMillion: 0.125,
  secretsPer10k: 0.05,
  logsIngestPerGb: 0.5,
};

async function costTable(app: Awaited<ReturnType<typeof startLocalApp>>, logBytes: () => number) {
  let failNext = false;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(failNext ? 500 : 200).end('{"ok":true}');
      failNext = false;
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const tenant = `cost-${Date.now()}`;
  const admin = await mintToken({ tenant, roles: ['admin'], sub: 'ada' });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await post('/v1/hooks', {
    name: 'Cost',
    events: ['order.*'],
    url: receiverUrl,
    signing: { profile: 'standard', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  });
  const dispatcherSpec = functions.find((f) => f.consumesDeliveryQueue)!;
  const { handler } = (await import(`../${dispatcherSpec.entry}`)) as {
    handler: (
      event: SQSEvent,
      context: ReturnType<typeof lambdaContext>,
    ) => Promise<{ batchItemFailures: unknown[] }>;
  };
  const poller = new SQSClient({ endpoint: app.emulatorEndpoint, region: process.env.AWS_REGION });
  const queueUrl = app.resources.deliveryQueueUrl;
  /** One poll of the event source mapping: receive, invoke the dispatcher, delete what succeeded. */
  const poll = async () => {
    const received = await poller.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    const event = {
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: m.Attributes ?? {},
        messageAttributes: {},
        md5OfBody: m.MD5OfBody!,
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
        awsRegion: 'us-east-1',
      })),
    } as unknown as SQSEvent;
    const t = performance.now();
    const out = await handler(event, lambdaContext(dispatcherSpec.id, 30_000));
    const ms = performance.now() - t;
    const failed = new Set(
      (out.batchItemFailures as { itemIdentifier: string }[]).map((f) => f.itemIdentifier),
    );
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await poller.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    return { received: messages.length, deleted: done.length, ms };
  };
  const data = { order_id: 'o-1', notes: 'x'.repeat(1000) };

  // One successful delivery, end to end; the first run warms the secret cache and connections.
  const flow = async (retried: boolean) => {
    const logsBefore = logBytes();
    const ingest = await counted(async () => {
      const t = performance.now();
      await post('/v1/events', { type: 'order.created', data });
      return performance.now() - t;
    });
    failNext = retried;
    const polls: { calls: string[]; ms: number }[] = [];
    let delivered = 0;
    while (delivered === 0) {
      const p = await counted(() => poll());
      polls.push({
        calls: [...p.calls, `SQS Receive(ESM)`, ...(p.result.deleted ? ['SQS DeleteBatch(ESM)'] : [])],
        ms: p.result.ms,
      });
      delivered = p.result.deleted;
      if (!delivered) await new Promise((r) => setTimeout(r, 1200));
    }
    return { ingest, polls, logBytes: logBytes() - logsBefore };
  };
  await flow(false);
  const success = await flow(false);
  const retry = await flow(true);
  poller.destroy();
  receiver.close();

  const requests = (f: typeof success) => [...f.ingest.calls, ...f.polls.flatMap((p) => p.calls)];
  const counts = [
    { delivery: 'successful', ...summary(requests(success), 1 + success.polls.length) },
    { delivery: 'retried once, then delivered', ...summary(requests(retry), 1 + retry.polls.length) },
  ].map((r) => ({ ...r }));

  // Per million deliveries, one event → one delivery. Batch 1 (a quiet queue: one record per
  // invocation) is what was counted; at batch 10 the poller's and the dispatcher's per-batch
  // requests are shared by ten deliveries.
  const calls = requests(success);
  const count = (prefix: string) => calls.filter((c) => c.startsWith(prefix)).length;
  const ingestMs = Math.ceil(median([success.ingest.result]));
  const dispatchMs = Math.ceil(median(success.polls.map((p) => p.ms)));
  const memoryGb = 0.5;
  const rows: Record<string, string>[] = [];
  let total1 = 0;
  let total10 = 0;
  const add = (item: string, basis: string, batch1: number, batch10: number) => {
    total1 += batch1;
    total10 += batch10;
    rows.push({ item, basis, 'batch 1 $/M': batch1.toFixed(3), 'batch 10 $/M': batch10.toFixed(3) });
  };
  add('API Gateway HTTP API', 'POST /v1/events', price.httpApiPerMillion, price.httpApiPerMillion);
  add(
    'Lambda requests',
    'Events + Dispatcher invocations',
    2 * price.lambdaRequestPerMillion,
    1.1 * price.lambdaRequestPerMillion,
  );
  const gbs = (ms: number) => (ms / 1000) * memoryGb * price.lambdaArmGbSecond * 1e6;
  add(
    'Lambda duration (ARM, 512 MB)',
    `ingest ${ingestMs} ms + dispatch ${dispatchMs} ms (measured here)`,
    gbs(ingestMs) + gbs(dispatchMs),
    gbs(ingestMs) + gbs(dispatchMs) / 10,
  );
  const sqsHandler = count('SQS ') - count('SQS Receive(ESM)') - count('SQS DeleteBatch(ESM)');
  add(
    'SQS requests',
    `${sqsHandler} by the functions + receive + delete by the poller`,
    (sqsHandler + 2) * price.sqsPerMillion,
    (sqsHandler + 0.2) * price.sqsPerMillion,
  );
  const writes = count('DynamoDB Put') + count('DynamoDB Update') + count('DynamoDB Delete');
  const reads = count('DynamoDB Get') + count('DynamoDB Query');
  add(
    'DynamoDB writes',
    `${writes} writes of items ≤ 1 KB (1 WRU each; the attempt log has no index)`,
    writes * price.dynamoWriteUnitPerMillion,
    writes * price.dynamoWriteUnitPerMillion,
  );
  add(
    'DynamoDB reads',
    `${reads} reads × 0.5 RRU (eventually consistent, ≤ 4 KB)`,
    reads * 0.5 * price.dynamoReadUnitPerMillion,
    reads * 0.5 * price.dynamoReadUnitPerMillion,
  );
  add('Secrets Manager', 'cache misses only (one per hook version per instance per 5 min)', 0, 0);
  const logGb = success.logBytes / 1e9;
  add(
    'CloudWatch Logs',
    `${success.logBytes} bytes of INFO logs per delivery (measured)`,
    logGb * price.logsIngestPerGb * 1e6,
    logGb * price.logsIngestPerGb * 1e6,
  );
  rows.push({
    item: 'total',
    basis: 'EventBridge API destinations: $1.20',
    'batch 1 $/M': total1.toFixed(2),
    'batch 10 $/M': total10.toFixed(2),
  });
  return {
    counts,
    rows,
    assumptions: [
      'us-east-1 on-demand list prices (HTTP API $1.00/M requests; Lambda ARM $0.0000133334/GB-s and $0.20/M requests; SQS standard $0.40/M requests;',
      'DynamoDB on-demand $0.625/M WRU and $0.125/M RRU; Secrets Manager $0.05/10k calls; CloudWatch Logs $0.50/GB ingested).',
      'One event matches one hook; free tiers ignored; Lambda durations are this machine’s (loaded, 2 cores), billed per ms;',
      'the poller’s empty long polls on an idle queue (a fixed ~$0.3/month per mapping) and X-Ray (tracing=lambda samples about 5 %, $5/M traces → about $0.25/M; off: 0) are not in the total.',
    ],
  };
}

function summary(calls: string[], steps: number) {
  return {
    'AWS requests': String(calls.length),
    'function invocations': String(steps),
    requests: tally(calls),
  };
}
