/**
 * Delivery throughput and latency (issue 13). The receiver runs in its own process
 * (bench/receiverProcess.ts); the client paths run in another (bench/deliveryPaths.ts), interleaved
 * in rounds (A, B, C, ..., A, B, C, ...) so load drifts touch every path alike; each figure is the
 * median over the rounds. The floor is a raw keep-alive client with the same concurrency and body.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions, NODE_OPTIONS } from '../infra/constructs/bundling.ts';
import type { PathFigures } from './deliveryPaths.ts';
import { median, printTable } from './table.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Forks a bench helper under tsx; its stdout is discarded (the paths log at INFO as deployed). */
export function forkHelper(file: string, env: Record<string, string> = {}): ChildProcess {
  return fork(join(here, file), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/**
 * The paths run as Lambda runs the dispatcher: bundled with the stack's options and started with
 * its NODE_OPTIONS, not through tsx (whose loader and stack-trace hooks would be measured too).
 */
async function bundledPaths(profiling: boolean): Promise<string> {
  const outDir = join(here, '..', '.bench', 'delivery');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'deliveryPaths.mjs');
  const options = esbuildOptions(join(here, 'deliveryPaths.ts'), file, 'lambda');
  // A profile names functions as the source does: identifiers kept, the rest minified as deployed.
  const names = profiling ? { minify: false, minifySyntax: true, minifyWhitespace: true } : {};
  await build({ ...options, ...names });
  return file;
}

export async function startReceiverProcess(): Promise<{ url: string; stop: () => void }> {
  const child = forkHelper('receiverProcess.ts');
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/hook`, stop: () => child.kill() };
}

export async function benchDelivery(): Promise<void> {
  const receiver = await startReceiverProcess();
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
  const deliveries = Number(process.env.BENCH_DELIVERIES ?? 4000);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
  const figures: PathFigures[] = [];
  let secretFetches = 0;
  try {
    // BENCH_CPU_PROF=dir writes a V8 CPU profile of the client process there (with BENCH_ONLY, of
    // one path); `node bench/cpuProfile.ts <file>` summarises it.
    const profile = process.env.BENCH_CPU_PROF;
    const child = fork(await bundledPaths(profile !== undefined), [], {
      execArgv: [
        ...NODE_OPTIONS.split(' ').filter(Boolean),
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, '--cpu-prof-interval=100'] : []),
      ],
      env: {
        ...process.env,
        BENCH_RECEIVER_URL: receiver.url,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'Bench',
        POWERTOOLS_SERVICE_NAME: 'latchkey-dispatcher',
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m) => {
        const msg = m as PathFigures | { done: true; secretFetches: number };
        if ('done' in msg) secretFetches = msg.secretFetches;
        else figures.push(msg);
      });
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`delivery paths exited with ${code}`)),
      );
    });
  } finally {
    receiver.stop();
  }
  const names = [...new Set(figures.map((f) => f.path))];
  const summary = new Map(
    names.map((name) => {
      const of = figures.filter((f) => f.path === name);
      return [
        name,
        {
          perSecond: median(of.map((f) => f.perSecond)),
          p50: median(of.map((f) => f.p50)),
          p99: median(of.map((f) => f.p99)),
          cpu: median(of.map((f) => f.cpuMicros)),
        },
      ];
    }),
  );
  // Undefined when BENCH_ONLY left the floor out: the comparison columns stay empty.
  const floorOf = (name: string) =>
    summary.get(
      name.includes('64 KB')
        ? 'floor: raw node:http keep-alive, 64 KB'
        : 'floor: raw node:http keep-alive, 1 KB',
    );
  printTable(
    `Deliveries (${deliveries} per path per round, ${concurrency} in flight, ${rounds} interleaved rounds, median of rounds; ` +
      `receiver in its own process; GetSecretValue calls: ${secretFetches})`,
    names.map((name) => {
      const s = summary.get(name)!;
      const floor = floorOf(name);
      const isFloor = name.startsWith('floor') || floor === undefined;
      return {
        path: name,
        'deliveries/s': Math.round(s.perSecond),
        'p50 ms': s.p50.toFixed(2),
        'p99 ms': s.p99.toFixed(2),
        'client CPU µs/delivery': s.cpu.toFixed(0),
        'CPU vs floor': isFloor ? '' : `${(s.cpu / floor.cpu).toFixed(2)}×`,
        'vs floor /s': isFloor ? '' : `${Math.round((100 * s.perSecond) / floor.perSecond)} %`,
        'p99 vs floor': isFloor ? '' : `${(s.p99 / floor.p99).toFixed(2)}×`,
        'goal (≥ 80 %, ≤ 1.5×)':
          !name.startsWith('Latchkey attempt') || floor === undefined
            ? ''
            : s.perSecond >= 0.8 * floor.perSecond && s.p99 <= 1.5 * floor.p99
              ? 'met'
              : 'not met',
      };
    }),
  );
}
