/**
 * Bundle size and cold-start init of every Lambda in functions/manifest.ts, bundled exactly as the
 * CDK stack bundles them (esbuild, ESM, minified, @aws-sdk external as on the Lambda runtime).
 * Init = time to import the bundle (module scope: SDK clients, Powertools, schemas) in a fresh
 * Node process, median of N runs. Baseline, measured in the same run: an empty handler bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { functions } from '../functions/manifest.ts';
import { median, printTable } from './table.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.bench');
const runs = Number(process.env.BENCH_INIT_RUNS ?? 7);

async function bundle(name: string, entry: string): Promise<string> {
  const outfile = join(out, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return outfile;
}

function initMs(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        TABLE_NAME: 'bench',
        DELIVERY_QUEUE_URL: 'http://127.0.0.1:1/q',
        DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/dlq',
        POWERTOOLS_TRACE_ENABLED: 'false',
      },
      encoding: 'utf8',
    });
    samples.push(Number(stdout.trim().split('\n').pop()));
  }
  return median(samples);
}

export async function benchBundles(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const baselineEntry = join(out, 'baseline-entry.mjs');
  writeFileSync(baselineEntry, 'export const handler = async () => ({ statusCode: 200 });\n');
  const rows: Record<string, string | number>[] = [];
  const baselineFile = await bundle('baseline', baselineEntry);
  const baselineInit = initMs(baselineFile);
  rows.push({
    function: 'baseline (empty handler)',
    'bundle KiB': (statSync(baselineFile).size / 1024).toFixed(1),
    'init ms (median)': baselineInit.toFixed(1),
    'init over baseline ms': '0.0',
  });
  for (const spec of functions) {
    const file = await bundle(spec.id, join(root, spec.entry));
    const init = initMs(file);
    rows.push({
      function: spec.id,
      'bundle KiB': (statSync(file).size / 1024).toFixed(1),
      'init ms (median)': init.toFixed(1),
      'init over baseline ms': (init - baselineInit).toFixed(1),
    });
  }
  printTable(`Bundles and cold-start init (Node ${process.versions.node}, ${runs} runs each)`, rows);
}
