/**
 * The whole of Latchkey on one machine: emulator (started here unless one is given), resources
 * provisioned from shared/resources.ts, the HTTP API and the delivery queue consumer, all running
 * the real handler modules listed in functions/manifest.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import { functions } from '../../functions/manifest.ts';
import { recordAwsCalls } from '../../shared/adapters/awsCallRecorder.ts';
import { clientSettingNames, resources } from '../../shared/resources.ts';
import { consoleSite } from './consoleSite.ts';
import { type RunningEmulator, startEmulator } from './emulator.ts';
import { compileRoutes, type HandlerLoader, loadHandler, startHttpApi } from './httpApi.ts';
import { type ProvisionedResources, provision } from './provision.ts';
import { type QueueConsumer, startQueueConsumer } from './queueConsumer.ts';
import { clientCredentialsToken } from './tokenEndpoint.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LocalAppOptions {
  /** HTTP port; 0 picks a free one. */
  port?: number;
  /** Use a running emulator instead of starting one. */
  emulatorEndpoint?: string;
  /** Resource name prefix; unique per app by default so apps never share a table or queue. */
  prefix?: string;
  /** Extra environment for the functions (set before the handler modules load). */
  env?: Record<string, string>;
  /** Run the delivery queue consumer (default true). */
  consumeQueue?: boolean;
  /**
   * Runs each function some other way than its source module in this process (the bundle tier
   * runs the synthesized bundles); given the provisioned resources.
   */
  handlers?: (resources: ProvisionedResources) => HandlerLoader;
  /** Keep the emulator's state in this file across restarts (see emulator.ts); memory only without. */
  statePath?: string;
  log?: (line: string) => void;
}

/** How long a stop waits for deliveries in hand before leaving them to SQS's visibility timeout. */
export const DRAIN_TIMEOUT_MS = 10_000;

export interface LocalApp {
  url: string;
  port: number;
  emulatorEndpoint: string;
  resources: ProvisionedResources;
  /** Deliveries being attempted right now, across the queue consumers. */
  readonly inFlight: number;
  /** Stops the API, lets deliveries in hand finish (at most DRAIN_TIMEOUT_MS), stops the emulator. */
  stop(): Promise<void>;
}

export async function startLocalApp(options: LocalAppOptions = {}): Promise<LocalApp> {
  const log = options.log;
  const emulator: RunningEmulator | undefined = options.emulatorEndpoint
    ? undefined
    : await startEmulator({ statePath: options.statePath, log: options.log });
  const emulatorEndpoint = options.emulatorEndpoint ?? emulator!.endpoint;
  try {
    const defaults: Record<string, string> = {
      AWS_ENDPOINT_URL: emulatorEndpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // Local receivers and devices live on loopback.
      ALLOW_PRIVATE_TARGETS: 'all',
    };
    for (const [k, v] of Object.entries(defaults)) process.env[k] ??= v;
    process.env.AWS_ENDPOINT_URL = emulatorEndpoint;
    const prefix = options.prefix ?? `lk-${randomUUID().slice(0, 8)}`;
    const provisioned = await provision(emulatorEndpoint, prefix);
    Object.assign(process.env, provisioned.env, options.env);

    const load: HandlerLoader = options.handlers?.(provisioned) ?? ((spec) => loadHandler(root, spec));
    const routes = await compileRoutes(root, functions, load);
    const pool = { emulatorEndpoint, userPoolId: provisioned.userPoolId };
    const server: Server = await startHttpApi({
      routes,
      port: options.port ?? 3000,
      log,
      tokenEndpoint: (body, authorization) => clientCredentialsToken(pool, body, authorization),
      site: await consoleSite(),
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // The token URL the Clients function hands out: this server's stand-in for the pool's endpoint.
    if (!options.env?.[clientSettingNames.tokenUrl])
      process.env[clientSettingNames.tokenUrl] = `http://127.0.0.1:${port}/oauth2/token`;

    const consumers: QueueConsumer[] = [];
    // The event source mapping polls with the consumer function's role: its calls are recorded as
    // that function's (IAM tier).
    const sqs = recordAwsCalls(new SQSClient({ endpoint: emulatorEndpoint, region: process.env.AWS_REGION }));
    if (options.consumeQueue ?? true) {
      for (const spec of functions.filter((f) => f.consumesDeliveryQueue)) {
        const handler = (await load(spec)) as Parameters<typeof startQueueConsumer>[0]['handler'];
        // Two event sources, as in the stack: the standard queue and the ordered FIFO queue.
        for (const queueUrl of [provisioned.deliveryQueueUrl, provisioned.orderedDeliveryQueueUrl]) {
          consumers.push(
            await startQueueConsumer({
              sqs,
              queueUrl,
              handler,
              functionId: spec.id,
              batchSize: resources.dispatcher.batchSize,
              timeoutMs: (spec.timeoutSeconds ?? resources.dispatcher.timeoutSeconds) * 1000,
              log,
            }),
          );
        }
      }
    }
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      emulatorEndpoint,
      resources: provisioned,
      get inFlight() {
        return consumers.reduce((sum, c) => sum + c.inFlight, 0);
      },
      async stop() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        const drained = await Promise.all(consumers.map((c) => c.stop(DRAIN_TIMEOUT_MS)));
        if (drained.includes(false)) {
          log?.(
            '[queue] deliveries still running were left to SQS: they are attempted again after the next start',
          );
        }
        sqs.destroy();
        await emulator?.stop();
      },
    };
  } catch (err) {
    await emulator?.stop();
    throw err;
  }
}
