import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { buildLatchkeyStack, projectRoot } from '../../infra/app.ts';
import type { LatchkeyStack } from '../../infra/latchkeyStack.ts';
import type { ProvisionedResources } from '../../scripts/local/provision.ts';
import {
  awsCallFunctionVariable,
  awsCallLogVariable,
  recordInvocation,
} from '../../shared/adapters/awsCallRecorder.ts';
import type { CfnTemplate } from './rolePolicies.ts';

/**
 * The bundle tier's Lambda stand-in: synthesizes the app into a cloud assembly, lays each
 * function's bundle out as a task directory outside the repository (so no node_modules of the
 * repository is reachable from it), with `@aws-sdk/*` provided only the way the runtime provides
 * it — a separate `node_modules` holding nothing but the SDK — and runs it in a fresh Node 22
 * process with the template's environment, references resolved to the emulator's resources.
 */

export interface SynthesizedFunction {
  id: string;
  logicalId: string;
  /** The asset directory of the cloud assembly. */
  assetDir: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, unknown>;
}

export interface Assembly {
  stack: LatchkeyStack;
  template: CfnTemplate;
  outdir: string;
  functions: Map<string, SynthesizedFunction>;
}

/** `npx cdk synth` with these context values, into a temporary directory. */
export function synthesize(context: Record<string, string>): Assembly {
  const outdir = mkdtempSync(join(tmpdir(), 'latchkey-assembly-'));
  const app = new App({ outdir, context });
  const stack = buildLatchkeyStack(app);
  const artifact = app.synth().getStackArtifact(stack.artifactId);
  const template = artifact.template as CfnTemplate;
  const assets = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const functions = new Map<string, SynthesizedFunction>();
  for (const [id, fn] of stack.functions) {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnFunction);
    const props = template.Resources[logicalId]?.Properties as Record<string, unknown>;
    const key = (props.Code as { S3Key: string }).S3Key;
    const asset = assets.files[key.replace(/\.zip$/, '')];
    if (!asset) throw new Error(`${id}: no asset ${key} in the cloud assembly`);
    functions.set(id, {
      id,
      logicalId,
      assetDir: join(outdir, asset.source.path),
      handler: props.Handler as string,
      runtime: props.Runtime as string,
      timeoutSeconds: props.Timeout as number,
      memoryMb: props.MemorySize as number,
      environment: (props.Environment as { Variables: Record<string, unknown> }).Variables,
    });
  }
  return { stack, template, outdir, functions };
}

/** The emulator's physical id for each resource a function may reference (`Ref`). */
export function emulatorResources(
  stack: LatchkeyStack,
  provisioned: ProvisionedResources,
): Map<string, string> {
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnFunction);
  const physical = new Map([
    [logicalId(stack.store.table), provisioned.tableName],
    [logicalId(stack.delivery.queue), provisioned.deliveryQueueUrl],
    [logicalId(stack.delivery.orderedQueue), provisioned.orderedDeliveryQueueUrl],
    [logicalId(stack.delivery.deadLetterQueue), provisioned.deadLetterQueueUrl],
  ]);
  const { userPool, userPoolDomain, httpApi } = stack.api;
  if (userPool) physical.set(logicalId(userPool), provisioned.userPoolId);
  physical.set(logicalId(httpApi), provisioned.httpApiId);
  // The HttpJwtAuthorizer binds an HttpAuthorizer named after it under the API; its CfnAuthorizer is the Ref.
  physical.set(logicalId(httpApi.node.findChild('Jwt')), provisioned.jwtAuthorizerId);
  // The emulator serves no hosted domain: the token URL a bundle hands out names a made-up one.
  if (userPoolDomain) physical.set(logicalId(userPoolDomain), 'latchkey-local');
  return physical;
}

/** A template value with its references resolved: `Ref` and `Fn::Join` (pseudo parameters included). */
function resolveValue(value: unknown, physical: Map<string, string>): string | undefined {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: string } | null)?.Ref;
  if (ref) {
    const pseudo: Record<string, string> = {
      'AWS::Region': process.env.AWS_REGION ?? 'us-east-1',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::Partition': 'aws',
    };
    return pseudo[ref] ?? physical.get(ref);
  }
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join) {
    const parts = join[1].map((p) => resolveValue(p, physical));
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/** The template's environment with each reference resolved to the emulator's resource. */
export function resolveEnvironment(
  fn: SynthesizedFunction,
  physical: Map<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') env[name] = value;
    else {
      const resolved = resolveValue(value, physical);
      if (!resolved) {
        throw new Error(
          `${fn.id}: ${name}=${JSON.stringify(value)} has no emulator resource: add it to emulatorResources()`,
        );
      }
      env[name] = resolved;
    }
  }
  return env;
}

const nodeBinary = join(projectRoot, 'node_modules', '.bin', 'node');
const runtimeScript = join(dirname(fileURLToPath(import.meta.url)), 'lambdaRuntime.mjs');

/** The Node version the template's runtime names must be the one the bundles run on. */
export function checkNodeMatches(runtime: string): string {
  const version = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim();
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major || !version.startsWith(`v${major}.`))
    throw new Error(`runtime ${runtime} but ${nodeBinary} is ${version}`);
  return version;
}

/**
 * A scratch root outside the repository: `sdk/node_modules/@aws-sdk` (the runtime's SDK, here a
 * link to the repository's copy) and `sdk/task/<function>` (each bundle). ESM resolution from a
 * bundle walks up `task/<function>/node_modules`, `task/node_modules`, `sdk/node_modules`: only
 * the SDK is found, as on Lambda.
 */
export function layOutTasks(assembly: Assembly): { root: string; taskRoot(id: string): string } {
  for (const dir of [tmpdir(), dirname(tmpdir()), '/']) {
    if (existsSync(join(dir, 'node_modules')))
      throw new Error(`${dir}/node_modules would leak into the bundles`);
  }
  const root = mkdtempSync(join(tmpdir(), 'latchkey-bundles-'));
  mkdirSync(join(root, 'sdk', 'node_modules'), { recursive: true });
  symlinkSync(
    join(projectRoot, 'node_modules', '@aws-sdk'),
    join(root, 'sdk', 'node_modules', '@aws-sdk'),
    'dir',
  );
  for (const fn of assembly.functions.values())
    cpSync(fn.assetDir, join(root, 'sdk', 'task', fn.id), { recursive: true });
  return { root, taskRoot: (id) => join(root, 'sdk', 'task', id) };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One warm Lambda instance: a Node process running one bundle, one invocation at a time. */
export class BundleInstance {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<string, Pending>();
  /** The function's stdout and stderr (its logs), for tests that grep them. */
  output = '';
  invocations = 0;
  timeouts = 0;

  constructor(
    readonly fn: SynthesizedFunction,
    private readonly taskRoot: string,
    private readonly env: Record<string, string>,
  ) {}

  private start(): Promise<void> {
    const child = spawn(nodeBinary, [runtimeScript, this.taskRoot, this.fn.handler], {
      cwd: this.taskRoot,
      env: this.env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdio[3] as Readable });
      lines.on('line', (line) => {
        const message = JSON.parse(line) as {
          ready?: boolean;
          initError?: { message: string };
          id?: string;
          result?: unknown;
          error?: { errorType: string; errorMessage: string };
        };
        if (message.ready) resolve();
        else if (message.initError)
          reject(new Error(`${this.fn.id} init failed: ${message.initError.message}`));
        else if (message.id) {
          const p = this.pending.get(message.id);
          if (!p) return;
          clearTimeout(p.timer);
          this.pending.delete(message.id);
          if (message.error) p.reject(new Error(`${message.error.errorType}: ${message.error.errorMessage}`));
          else p.resolve(message.result);
        }
      });
      child.on('exit', (code) => {
        reject(new Error(`${this.fn.id} exited (${code}) before it was ready:\n${this.output}`));
        for (const p of this.pending.values()) p.reject(new Error(`${this.fn.id} exited (${code})`));
        this.pending.clear();
      });
    });
    return ready;
  }

  /** Invokes the function as Lambda does: within its timeout, or the instance is ended. */
  invoke(event: unknown): Promise<unknown> {
    const run = async () => {
      this.ready ??= this.start();
      await this.ready;
      this.invocations += 1;
      recordInvocation(this.fn.id);
      const id = randomUUID();
      const timeoutMs = this.fn.timeoutSeconds * 1000;
      const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          this.timeouts += 1;
          this.stop();
          reject(new Error(`Task timed out after ${this.fn.timeoutSeconds} seconds`));
        }, timeoutMs);
        this.pending.set(id, { resolve, reject, timer });
        const line = {
          id,
          event,
          deadline: Date.now() + timeoutMs,
          functionName: `Latchkey-${this.fn.id}`,
          traceId,
        };
        (this.child?.stdin as Writable | undefined)?.write(`${JSON.stringify(line)}\n`);
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  stop(): void {
    if (process.env.LATCHKEY_BUNDLE_DEBUG)
      writeFileSync(`${process.env.LATCHKEY_BUNDLE_DEBUG}-${this.fn.id}.log`, this.output);
    this.child?.kill();
    this.child = undefined;
    this.ready = undefined;
  }
}

export interface BundleRuntimeOptions {
  emulatorEndpoint: string;
  /** Where the X-Ray segments go (a UDP listener of the test). */
  xrayDaemonAddress: string;
}

/**
 * The Lambda environment of one function: the template's variables (references resolved), the
 * variables Lambda itself sets, credentials for the emulator and its endpoint, and the IAM
 * tier's recording switches. Nothing of the test process's environment leaks in.
 */
export function lambdaEnvironment(
  fn: SynthesizedFunction,
  physical: Map<string, string>,
  options: BundleRuntimeOptions,
  taskRoot: string,
): Record<string, string> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: `Latchkey-${fn.id}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/Latchkey-${fn.id}`,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_XRAY_DAEMON_ADDRESS: options.xrayDaemonAddress,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    // The one difference from AWS: the SDK talks to the emulator.
    AWS_ENDPOINT_URL: options.emulatorEndpoint,
    ...resolveEnvironment(fn, physical),
    ...(process.env[awsCallLogVariable]
      ? { [awsCallLogVariable]: process.env[awsCallLogVariable] as string, [awsCallFunctionVariable]: fn.id }
      : {}),
  };
}

export function removeScratch(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
