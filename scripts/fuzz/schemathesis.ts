/**
 * Schemathesis, the API fuzzer `npm test` runs against local mode (test/fuzz/): pinned in
 * scripts/fuzz/requirements.txt and installed into .venv-fuzz/ on first use, apart from the
 * emulator's .venv/. It reads the OpenAPI document the API serves, runs its phases (examples,
 * coverage, fuzzing, stateful) with its default checks, and must find nothing.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PythonVenv } from '../local/pythonVenv.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const fuzzTool: PythonVenv = {
  label: 'the API fuzzer (Schemathesis)',
  venv: join(root, '.venv-fuzz'),
  requirements: join(root, 'scripts', 'fuzz', 'requirements.txt'),
  executable: join('bin', 'st'),
};

/** Where the settings live, each with the reason it differs from Schemathesis' defaults. */
export const fuzzConfig = join(root, 'scripts', 'fuzz', 'schemathesis.toml');

export interface FuzzRun {
  /** Base URL of a running Latchkey (its document is at /v1/openapi.json). */
  baseUrl: string;
  /** A bearer token the run authenticates with (an admin's). */
  token: string;
  maxExamples: number;
  seed: string;
  /** The run's working directory (Hypothesis keeps its data there). */
  workdir: string;
  /** Stops the run after this long (a bound, never a target). */
  timeoutMs: number;
}

export interface FuzzResult {
  exitCode: number | null;
  output: string;
  /** The summary's lines: operations, phases, failures, test cases. */
  summary: string;
}

/** The summary block Schemathesis prints last, without colours. */
export function summaryOf(output: string): string {
  const start = output.lastIndexOf('SUMMARY');
  return start === -1 ? '' : output.slice(start).replace(/=+/g, '').trim();
}

export async function runSchemathesis(run: FuzzRun): Promise<FuzzResult> {
  const args = [
    '--config-file',
    fuzzConfig,
    '--no-color',
    'run',
    `${run.baseUrl}/v1/openapi.json`,
    '--header',
    `Authorization: Bearer ${run.token}`,
    '--max-examples',
    String(run.maxExamples),
    '--seed',
    run.seed,
    '--workers',
    '1',
    ...(process.env.LATCHKEY_FUZZ_SHOW_SECRETS ? ['--output-sanitize', 'false'] : []),
    '--generation-database',
    'none',
  ];
  const child = spawn(join(fuzzTool.venv, fuzzTool.executable), args, {
    cwd: run.workdir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SCHEMATHESIS_HOOKS: '', COLUMNS: '120' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), run.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(timer);
  return { exitCode, output, summary: summaryOf(output) };
}
