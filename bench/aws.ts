/**
 * The figures that involve AWS calls, with the real handlers of local mode (scripts/local/app.ts)
 * against the emulator: the interlock latency table (lock and status through the handler next to
 * calling the device directly, and the AWS calls per interlock call) and the cost table (AWS
 * requests of successful and retried deliveries, end to end, for single events with dispatcher
 * batch 1 and batch ingest of 10 and 100 with dispatcher batch 10, priced per million deliveries).
 *
 * AWS calls are counted by a middleware on the functions' own SDK clients; the event source
 * mapping's SQS calls (receive, delete) are made here, as Lambda's poller makes them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
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
import { resources } from '../shared/resources.ts';
import { INTERLOCK_CACHE_TTL_MS } from '../shared/services/interlockService.ts';
import { forkHelper } from './delivery.ts';
import { percentile, printTable } from './table.ts';

/** Every AWS command the functions send while `counting` is on, by service. */
const sent: string[] = [];
/** DynamoDB write units of each write sent while `counting` is on (itemWriteUnits). */
const units: number[] = [];
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
// After the document client's marshalling, so the item is in DynamoDB's own form.
dynamoDb.middlewareStack.add(
  (next, context) => async (args) => {
    if (counting) units.push(...writeUnits(String(context.commandName), args.input as WriteInput));
    return next(args);
  },
  { step: 'build', name: 'benchWriteUnits' },
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

type WriteInput = {
  Item?: Record<string, AttributeValue>;
  TransactItems?: unknown[];
  RequestItems?: Record<string, unknown[]>;
};

/** DynamoDB's size of a value: strings and binaries their bytes, numbers about half their digits + 1, containers 3 + 1 per element. */
function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + 1 + valueSize(e), 0);
  if (v.M !== undefined) return 3 + itemSize(v.M) + Object.keys(v.M).length;
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  return 0;
}

function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((n, [name, v]) => n + Buffer.byteLength(name) + valueSize(v), 0);
}

/**
 * Write units of one write request (on-demand): a PutItem 1 per KB of the item, once for the table
 * and once more for each index whose keys it carries (every index projects all attributes); an
 * UpdateItem or DeleteItem 1 (the items they touch here are under 1 KB: an assumption, the request
 * does not show the stored item); transactions twice that.
 */
function writeUnits(command: string, input: WriteInput): number[] {
  if (command === 'PutItemCommand' && input.Item) {
    const kb = Math.max(1, Math.ceil(itemSize(input.Item) / 1024));
    const indexed = resources.table.indexes.filter((i) => input.Item?.[i.partitionKey] !== undefined);
    return [kb * (1 + indexed.length)];
  }
  if (command === 'UpdateItemCommand' || command === 'DeleteItemCommand') return [1];
  if (command === 'BatchWriteItemCommand')
    return Object.values(input.RequestItems ?? {})
      .flat()
      .map(() => 1);
  if (command === 'TransactWriteItemsCommand') return (input.TransactItems ?? []).map(() => 2);
  return [];
}

async function counted<T>(run: () => Promise<T>): Promise<{ result: T; calls: string[]; units: number[] }> {
  sent.length = 0;
  units.length = 0;
  counting = true;
  try {
    const result = await run();
    return { result, calls: [...sent], units: [...units] };
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
      'AWS requests per delivery, end to end (counted on the functions’ clients and the event source mapping; one ingest request of each size, each event matching one hook)',
      cost.counts,
    );
    printTable(
      'Cost per million 1 KB deliveries, successful (us-east-1 on-demand prices, one hook per event), $ (basis per delivery) vs EventBridge API destinations $1.20',
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

/**
 * What the modelled Lambda durations assume, in place of this machine's emulator: AWS-typical
 * in-region latencies on warm connections, and a receiver that answers in RECEIVER_MS.
 */
const typical = { dynamoDbMs: 5, sqsMs: 10, secretsMs: 10, receiverMs: 100 };
/** Both functions' memory (infra/constructs/latchkeyFunction.ts default). */
const MEMORY_GB = 0.5;
/** Lambda's own JSON log records per invocation (platform.start and platform.report), about this many bytes. */
const PLATFORM_LOG_BYTES = 500;

/** The three ways of sending deliveries the table compares. */
const configurations = [
  { label: 'single events, dispatcher batch 1', eventsPerRequest: 1, dispatcherBatch: 1 },
  { label: 'batch ingest of 10, dispatcher batch 10', eventsPerRequest: 10, dispatcherBatch: 10 },
  { label: 'batch ingest of 100, dispatcher batch 10', eventsPerRequest: 100, dispatcherBatch: 10 },
] as const;
type Configuration = (typeof configurations)[number];

interface Invocation {
  calls: string[];
  units: number[];
  ms: number;
  cpuMs: number;
  records: number;
}

interface Flow {
  deliveries: number;
  ingest: Invocation;
  dispatches: Invocation[];
  /** The event source mapping's receive and delete requests. */
  poller: string[];
  logBytes: number;
}

async function costTable(app: Awaited<ReturnType<typeof startLocalApp>>, logBytes: () => number) {
  // Fails the first attempt of each delivery (by webhook-id) while `failFirst` is on.
  let failFirst = false;
  const seen = new Set<string>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const fail = failFirst && !seen.has(id);
      seen.add(id);
      res.writeHead(fail ? 500 : 200).end('{"ok":true}');
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
  const poll = async (batchSize: number) => {
    const received = await poller.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return undefined;
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
    const run = await counted(async () => {
      const cpu = process.cpuUsage();
      const t = performance.now();
      const out = await handler(event, lambdaContext(dispatcherSpec.id, 30_000));
      const used = process.cpuUsage(cpu);
      return { out, ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 };
    });
    const failed = new Set(
      (run.result.out.batchItemFailures as { itemIdentifier: string }[]).map((f) => f.itemIdentifier),
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
    const dispatch: Invocation = {
      calls: run.calls,
      units: run.units,
      ms: run.result.ms,
      cpuMs: run.result.cpuMs,
      records: messages.length,
    };
    return {
      dispatch,
      poller: ['SQS ReceiveMessage(ESM)', ...(done.length ? ['SQS DeleteMessageBatch(ESM)'] : [])],
      deleted: done.length,
    };
  };
  // Each event's data is 1 KB of JSON.
  const event = (i: number) => ({
    type: 'order.created',
    data: { order_id: `o-${i}`, notes: 'x'.repeat(1024 - 36 - String(i).length) },
  });

  /** One ingest request of the configuration's size, delivered end to end. */
  const flow = async (config: Configuration, retried: boolean): Promise<Flow> => {
    const logsBefore = logBytes();
    failFirst = retried;
    const n = config.eventsPerRequest;
    const ingest = await counted(async () => {
      const cpu = process.cpuUsage();
      const t = performance.now();
      if (n === 1) await post('/v1/events', event(0));
      else await post('/v1/events/batch', { events: Array.from({ length: n }, (_, i) => event(i)) });
      const used = process.cpuUsage(cpu);
      return { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000 };
    });
    const dispatches: Invocation[] = [];
    const polls: string[] = [];
    let delivered = 0;
    while (delivered < n) {
      const p = await poll(config.dispatcherBatch);
      if (!p) continue; // an empty long poll (a retry not yet due): a fixed cost, not per delivery
      dispatches.push(p.dispatch);
      polls.push(...p.poller);
      delivered += p.deleted;
    }
    failFirst = false;
    return {
      deliveries: n,
      ingest: { calls: ingest.calls, units: ingest.units, ...ingest.result, records: n },
      dispatches,
      poller: polls,
      logBytes: logBytes() - logsBefore,
    };
  };
  await flow(configurations[1], false); // warms the secret cache, connections and the handlers
  // Durations vary from run to run on a shared machine: each successful flow runs three times and
  // the one with the median measured duration is reported (the requests are the same every time).
  const measured = [];
  for (const config of configurations) {
    const runs: Flow[] = [];
    for (let i = 0; i < 3; i++) runs.push(await flow(config, false));
    const byDuration = runs.sort((a, b) => flowMs(a) - flowMs(b));
    measured.push({ config, success: byDuration[1]!, retry: await flow(config, true) });
  }
  poller.destroy();
  receiver.close();

  const counts = measured.flatMap(({ config, success, retry }) =>
    (
      [
        ['successful', success],
        ['retried once, then delivered', retry],
      ] as const
    ).map(([outcome, f]) => {
      const all = requestsOf(f);
      const perDelivery = (x: number) => (x / f.deliveries).toFixed(2);
      return {
        configuration: config.label,
        delivery: outcome,
        'AWS requests / delivery': perDelivery(all.length),
        'invocations / delivery': perDelivery(1 + f.dispatches.length),
        'WRU / delivery': perDelivery(sum(unitsOf(f))),
        'requests, whole flow': `${f.deliveries} deliver${f.deliveries === 1 ? 'y' : 'ies'}: ${tally(all)}`,
      };
    }),
  );
  const costs = measured.map(({ config, success, retry }) => ({
    config,
    success: costOf(success),
    retry: costOf(retry),
  }));
  const items = Object.keys(costs[0]!.success.items);
  const rows: Record<string, string>[] = items.map((item) => ({
    item,
    ...Object.fromEntries(
      costs.map((c) => [
        c.config.label,
        `${c.success.items[item]!.usd.toFixed(3)} (${c.success.items[item]!.basis})`,
      ]),
    ),
  }));
  const goal = (usd: number) => `${usd.toFixed(2)} ${usd < 1.2 ? '(below $1.20)' : '(above $1.20)'}`;
  rows.push(
    {
      item: 'total, durations measured here',
      ...Object.fromEntries(costs.map((c) => [c.config.label, goal(c.success.totalMeasured)])),
    },
    {
      item: 'total, durations modelled',
      ...Object.fromEntries(costs.map((c) => [c.config.label, goal(c.success.totalModelled)])),
    },
    {
      item: 'retried once: total measured / modelled',
      ...Object.fromEntries(
        costs.map((c) => [
          c.config.label,
          `${c.retry.totalMeasured.toFixed(2)} / ${c.retry.totalModelled.toFixed(2)}`,
        ]),
      ),
    },
  );
  return {
    counts,
    rows,
    assumptions: [
      'us-east-1 on-demand list prices (HTTP API $1.00/M requests; Lambda ARM $0.0000133334/GB-s and $0.20/M requests; SQS standard $0.40/M requests;',
      'DynamoDB on-demand $0.625/M WRU and $0.125/M RRU; Secrets Manager $0.05/10k calls; CloudWatch Logs $0.50/GB ingested). Each event matches one hook and carries 1 KB of data; free tiers ignored.',
      'Write units from the size of each item written (1 per KB, plus the same again for each index whose keys the item carries); UpdateItem/DeleteItem 1 WRU; reads 0.5 RRU each (eventually consistent, ≤ 4 KB).',
      `Lambda ${MEMORY_GB * 1024} MB ARM, billed per ms. "Measured": this machine’s wall time against the emulator (loaded, 2 cores; moto answers in 5–50 ms, AWS in single-digit ms) with a receiver that answers at once.`,
      `"Modelled": the invocation's measured CPU time + its AWS requests in sequence at DynamoDB ${typical.dynamoDbMs} ms, SQS ${typical.sqsMs} ms, Secrets Manager ${typical.secretsMs} ms (a batch's records run concurrently, so per record; the hook-match queries of a request run concurrently, one round) + a receiver answering in ${typical.receiverMs} ms.`,
      `Logs: the INFO lines the handlers wrote (measured) + Lambda’s platform.start/report records, about ${PLATFORM_LOG_BYTES} bytes per invocation (JSON log format).`,
      'Not in the totals: the poller’s empty long polls on an idle queue (a fixed ~$0.3/month per mapping), X-Ray (tracing=lambda samples about 5 %, $5/M traces → about $0.25/M; off: 0), Idempotency-Key records (1 claim + 1 completion write per request when used).',
    ],
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const flowMs = (f: Flow) => f.ingest.ms + sum(f.dispatches.map((d) => d.ms));
const requestsOf = (f: Flow) => [...f.ingest.calls, ...f.dispatches.flatMap((d) => d.calls), ...f.poller];
const unitsOf = (f: Flow) => [...f.ingest.units, ...f.dispatches.flatMap((d) => d.units)];

/** An invocation's duration on AWS as modelled: its CPU time and its AWS requests at typical latencies. */
function modelledMs(inv: Invocation, kind: 'ingest' | 'dispatch'): number {
  const n = (prefix: string) => inv.calls.filter((c) => c.startsWith(prefix)).length;
  if (kind === 'ingest') {
    const dynamoRounds = n('DynamoDB ') - n('DynamoDB Query') + (n('DynamoDB Query') > 0 ? 1 : 0);
    return inv.cpuMs + dynamoRounds * typical.dynamoDbMs + n('SQS ') * typical.sqsMs;
  }
  const perRecord =
    (n('DynamoDB ') * typical.dynamoDbMs +
      n('SQS ') * typical.sqsMs +
      n('SecretsManager ') * typical.secretsMs) /
    inv.records;
  return inv.cpuMs + perRecord + typical.receiverMs;
}

/** $ per million deliveries of one measured flow, item by item. */
function costOf(f: Flow) {
  const per = (x: number) => x / f.deliveries;
  const calls = requestsOf(f);
  const count = (prefix: string) => calls.filter((c) => c.startsWith(prefix)).length;
  const invocations = 1 + f.dispatches.length;
  const gbs = (ms: number) => (ms / 1000) * MEMORY_GB * price.lambdaArmGbSecond * 1e6;
  const measuredMs = flowMs(f);
  const modelled = modelledMs(f.ingest, 'ingest') + sum(f.dispatches.map((d) => modelledMs(d, 'dispatch')));
  const wru = sum(unitsOf(f));
  const reads = count('DynamoDB Get') + count('DynamoDB Query') + count('DynamoDB BatchGet');
  const logBytes = f.logBytes + invocations * PLATFORM_LOG_BYTES;
  const items: Record<string, { usd: number; basis: string }> = {
    'API Gateway HTTP API': {
      usd: per(1) * price.httpApiPerMillion,
      basis: `1 request / ${f.deliveries}`,
    },
    'Lambda requests': {
      usd: per(invocations) * price.lambdaRequestPerMillion,
      basis: `${invocations} invocations / ${f.deliveries}`,
    },
    'Lambda duration, measured here': {
      usd: per(gbs(measuredMs)),
      basis: `${per(measuredMs).toFixed(1)} ms`,
    },
    'Lambda duration, modelled': {
      usd: per(gbs(modelled)),
      basis: `${per(modelled).toFixed(1)} ms`,
    },
    'SQS requests': {
      usd: per(count('SQS ')) * price.sqsPerMillion,
      basis: `${per(count('SQS ')).toFixed(2)} requests`,
    },
    'DynamoDB writes': {
      usd: per(wru) * price.dynamoWriteUnitPerMillion,
      basis: `${per(wru).toFixed(2)} WRU`,
    },
    'DynamoDB reads': {
      usd: per(reads * 0.5) * price.dynamoReadUnitPerMillion,
      basis: `${per(reads).toFixed(2)} reads`,
    },
    'Secrets Manager': {
      usd: (per(count('SecretsManager ')) * price.secretsPer10k * 1e6) / 1e4,
      basis: `${per(count('SecretsManager ')).toFixed(2)} calls (cache misses)`,
    },
    'CloudWatch Logs': {
      usd: (per(logBytes) / 1e9) * price.logsIngestPerGb * 1e6,
      basis: `${per(logBytes).toFixed(0)} bytes`,
    },
  };
  const total = (durationItem: string) =>
    sum(
      Object.entries(items)
        .filter(([k]) => !k.startsWith('Lambda duration') || k === durationItem)
        .map(([, v]) => v.usd),
    );
  return {
    items,
    totalMeasured: total('Lambda duration, measured here'),
    totalModelled: total('Lambda duration, modelled'),
  };
}
