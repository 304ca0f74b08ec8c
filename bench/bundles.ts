/**
 * Bundle size and cold-start init of every Lambda in functions/manifest.ts, bundled exactly as the
 * stack bundles them (infra/constructs/bundling.ts), next to a reference bundle built in the same
 * run with the same options that holds only the function's framework: middy, the Powertools
 * utilities it uses, the AWS SDK clients it uses (found in its own bundle's metafile), constructed
 * as Latchkey constructs them. Goal (issue 13): init ≤ 1.25× the reference; Health ≤ 2× an empty
 * middy handler.
 *
 * Init = time to import the bundle in a fresh Node 22 process with the deployed NODE_OPTIONS
 * (`--enable-source-maps`); wall-clock and CPU time (user + system of the process during the
 * import, which scheduling on a shared machine disturbs far less), median over interleaved runs
 * (every file once per round, rounds repeated). Functions with the same framework have the same
 * reference program (identical entry, same options; only the file name differs): their reference
 * imports pool their samples, so that median is taken over all of them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { functions } from '../functions/manifest.ts';
import { esbuildOptions, NODE_OPTIONS, type TracingMode } from '../infra/constructs/bundling.ts';
import { sourceMapWorkMs } from './sourceMapWork.ts';
import { median, printTable } from './table.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.bench', 'bundles');
const runs = Number(process.env.BENCH_INIT_RUNS ?? 11);

interface Built {
  file: string;
  bytes: number;
  mapBytes: number;
  metafile: Metafile;
}

async function bundle(name: string, entry: string, tracing: TracingMode): Promise<Built> {
  const file = join(out, `${name}.mjs`);
  const result = await build({ ...esbuildOptions(entry, file, tracing), metafile: true });
  return {
    file,
    bytes: statSync(file).size,
    mapBytes: statSync(`${file}.map`).size,
    metafile: result.metafile,
  };
}

/** What a bundle pulls in: Powertools packages (bundled) and AWS SDK packages (left to the runtime). */
function frameworkOf(metafile: Metafile): { powertools: Set<string>; sdk: Set<string> } {
  const powertools = new Set<string>();
  const sdk = new Set<string>();
  for (const [path, input] of Object.entries(metafile.inputs)) {
    const pt = /node_modules\/@aws-lambda-powertools\/([^/]+)\//.exec(path);
    if (pt) powertools.add(pt[1]!);
    for (const imported of input.imports) {
      if (imported.external && imported.path.startsWith('@aws-sdk/')) sdk.add(imported.path);
    }
  }
  return { powertools, sdk };
}

/** The entry of a reference bundle: the function's framework, set up as Latchkey sets it up, and nothing else. */
function referenceSource(framework: { powertools: Set<string>; sdk: Set<string> }): string {
  const lines = ["import middy from '@middy/core';"];
  const setup: string[] = [];
  const uses: string[] = [];
  if (framework.powertools.has('logger')) {
    lines.push("import { Logger } from '@aws-lambda-powertools/logger';");
    lines.push("import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';");
    const search = framework.powertools.has('jmespath');
    if (search) lines.push("import { search } from '@aws-lambda-powertools/logger/correlationId';");
    setup.push(
      `const logger = new Logger({ serviceName: 'reference'${search ? ', correlationIdSearchFn: search' : ''} });`,
    );
    uses.push('injectLambdaContext(logger, { resetKeys: true })');
  }
  if (framework.powertools.has('metrics')) {
    lines.push("import { Metrics } from '@aws-lambda-powertools/metrics';");
    setup.push("const metrics = new Metrics({ namespace: 'Reference', serviceName: 'reference' });");
    uses.push('{ after: async () => { if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics(); } }');
  }
  const tracer = framework.powertools.has('tracer');
  if (tracer) {
    lines.push("import { Tracer } from '@aws-lambda-powertools/tracer';");
    lines.push("import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';");
    setup.push("const tracer = new Tracer({ serviceName: 'reference' });");
    uses.unshift('captureLambdaHandler(tracer)');
  }
  const traced = (expr: string) => (tracer ? `tracer.captureAWSv3Client(${expr})` : expr);
  if (framework.sdk.has('@aws-sdk/client-dynamodb')) {
    lines.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';");
    if (framework.sdk.has('@aws-sdk/lib-dynamodb')) {
      lines.push("import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';");
      setup.push(`export const db = DynamoDBDocumentClient.from(${traced('new DynamoDBClient({})')});`);
    } else setup.push(`export const db = ${traced('new DynamoDBClient({})')};`);
  }
  if (framework.sdk.has('@aws-sdk/client-sqs')) {
    lines.push("import { SQSClient } from '@aws-sdk/client-sqs';");
    setup.push(`export const sqs = ${traced('new SQSClient({})')};`);
  }
  if (framework.sdk.has('@aws-sdk/client-secrets-manager')) {
    lines.push("import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';");
    setup.push(`export const sm = ${traced('new SecretsManagerClient({})')};`);
  }
  // Any other SDK client the function uses (Cognito, ...): its package's client class.
  const known = [
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/lib-dynamodb',
    '@aws-sdk/client-sqs',
    '@aws-sdk/client-secrets-manager',
  ];
  [...framework.sdk]
    .filter((pkg) => !known.includes(pkg) && pkg.startsWith('@aws-sdk/client-'))
    .forEach((pkg, i) => {
      lines.push(`import * as sdk${i} from '${pkg}';`);
      setup.push(
        `const Client${i} = Object.entries(sdk${i}).find(([name]) => /^[A-Z]\\w*Client$/.test(name))[1];`,
        `export const client${i} = ${traced(`new Client${i}({})`)};`,
      );
    });
  return [
    ...lines,
    ...setup,
    `export const handler = middy()${uses.map((u) => `.use(${u})`).join('')}.handler(async () => ({ statusCode: 200 }));`,
    '',
  ].join('\n');
}

interface Sample {
  wall: number[];
  cpu: number[];
}

/** The environment every measured import runs in (a function's, as the stack sets it). */
const importEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: '',
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  TABLE_NAME: 'bench',
  DELIVERY_QUEUE_URL: 'http://127.0.0.1:1/q',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/dlq',
  POWERTOOLS_SERVICE_NAME: 'latchkey-bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

function importOnce(file: string, flags: string[]): { wall: number; cpu: number } {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(file)}); const w = performance.now() - t; const u = process.cpuUsage(c); console.log(JSON.stringify({ wall: w, cpu: (u.user + u.system) / 1000 }));`;
  const stdout = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    env: importEnv,
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { wall: number; cpu: number };
}

/**
 * Imports every file once per round, `runs` rounds, so load drifts spread over all of them alike.
 * Files with the same `pool` (byte-identical bundles, such as the reference shared by the
 * functions with the same framework) report the median of all their samples together.
 */
function measure(
  files: { key: string; file: string; flags: string[]; pool?: string }[],
): Map<string, { wall: number; cpu: number }> {
  const poolOf = (f: { key: string; pool?: string }) => f.pool ?? f.key;
  const samples = new Map<string, Sample>(files.map((f) => [poolOf(f), { wall: [], cpu: [] }]));
  for (let round = 0; round < runs; round++) {
    for (const f of files) {
      const s = importOnce(f.file, f.flags);
      samples.get(poolOf(f))!.wall.push(s.wall);
      samples.get(poolOf(f))!.cpu.push(s.cpu);
    }
  }
  return new Map(
    files.map((f) => {
      const s = samples.get(poolOf(f))!;
      return [f.key, { wall: median(s.wall), cpu: median(s.cpu) }];
    }),
  );
}

/** A reference's entry source: functions with the same framework share one reference program. */
const digest = (source: string) => createHash('sha256').update(source).digest('hex');
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (value: number) => value.toFixed(1);
const ratio = (a: number, b: number) => (a / b).toFixed(2);

export async function benchBundles(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const sourceMaps = NODE_OPTIONS.split(' ').filter(Boolean);
  const write = (name: string, source: string) => {
    const entry = join(out, `${name}-entry.mjs`);
    writeFileSync(entry, source);
    return entry;
  };
  const empty = await bundle(
    'empty',
    write('empty', 'export const handler = async () => ({ statusCode: 200 });\n'),
    'lambda',
  );
  const emptyMiddy = await bundle(
    'empty-middy',
    write(
      'empty-middy',
      "import middy from '@middy/core';\nexport const handler = middy().handler(async () => ({ statusCode: 200 }));\n",
    ),
    'lambda',
  );
  const rows: { id: string; fn: Built; ref: Built; refSource: string; sdkTraced: Built }[] = [];
  for (const spec of functions) {
    const fn = await bundle(spec.id, join(root, spec.entry), 'lambda');
    const refSource = referenceSource(frameworkOf(fn.metafile));
    const ref = await bundle(`${spec.id}-reference`, write(`${spec.id}-reference`, refSource), 'lambda');
    const sdkTraced = await bundle(`${spec.id}-sdk-tracing`, join(root, spec.entry), 'sdk');
    rows.push({ id: spec.id, fn, ref, refSource, sdkTraced });
  }
  const files = [
    { key: 'empty', file: empty.file, flags: sourceMaps },
    { key: 'empty-middy', file: emptyMiddy.file, flags: sourceMaps },
    ...rows.flatMap((r) => [
      { key: r.id, file: r.fn.file, flags: sourceMaps },
      { key: `${r.id}/ref`, file: r.ref.file, flags: sourceMaps, pool: `ref:${digest(r.refSource)}` },
      { key: `${r.id}/nomaps`, file: r.fn.file, flags: [] },
      { key: `${r.id}/sdk`, file: r.sdkTraced.file, flags: sourceMaps },
    ]),
  ];
  const t = measure(files);
  const at = (key: string) => t.get(key)!;
  const middy = at('empty-middy');

  const initRows = rows.map((r) => {
    const own = at(r.id);
    const ref = r.id === 'Health' ? middy : at(`${r.id}/ref`);
    const limit = r.id === 'Health' ? 2 : 1.25;
    return {
      function: r.id,
      'bundle KiB': kib(r.fn.bytes),
      'map KiB': kib(r.fn.mapBytes),
      'init ms': ms(own.wall),
      'reference ms': ms(ref.wall),
      ratio: ratio(own.wall, ref.wall),
      'cpu ms': ms(own.cpu),
      'ref cpu ms': ms(ref.cpu),
      'cpu ratio': ratio(own.cpu, ref.cpu),
      goal: `≤ ${limit}× ${r.id === 'Health' ? 'empty middy' : 'reference'}`,
      met: own.wall <= limit * ref.wall ? 'yes' : own.cpu <= limit * ref.cpu ? 'cpu only' : 'no',
    };
  });
  printTable(
    `Bundles and cold-start init (Node ${process.versions.node}, ${runs} interleaved runs, median; identical references pooled; ` +
      `empty handler ${ms(at('empty').wall)} ms, empty middy handler ${ms(middy.wall)} ms; reference = ` +
      'middy + the Powertools utilities + the AWS SDK clients the function uses, same bundling)',
    initRows,
  );
  const profiledRuns = Math.max(3, Math.ceil(runs / 2));
  printTable(
    'Source maps and tracing: init of the same bundle without --enable-source-maps, and built with -c tracing=sdk; ' +
      `source-map work profiled = time inside Node's source-map code during the import (V8 profiler, 50 µs samples, median of ${profiledRuns}; goal ≤ 10 ms)`,
    rows.map((r) => ({
      function: r.id,
      'init ms (maps on)': ms(at(r.id).wall),
      'maps off ms': ms(at(`${r.id}/nomaps`).wall),
      'source map cost ms': ms(at(r.id).wall - at(`${r.id}/nomaps`).wall),
      'maps cost cpu ms': ms(at(r.id).cpu - at(`${r.id}/nomaps`).cpu),
      'source-map work profiled ms': ms(sourceMapWorkMs(r.fn.file, sourceMaps, importEnv, profiledRuns)),
      'tracing=sdk KiB': kib(r.sdkTraced.bytes),
      'tracing=sdk ms': ms(at(`${r.id}/sdk`).wall),
      'X-Ray SDK cost ms': ms(at(`${r.id}/sdk`).wall - at(r.id).wall),
      'X-Ray SDK cost cpu ms': ms(at(`${r.id}/sdk`).cpu - at(r.id).cpu),
    })),
  );
}
