import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type Received, type Receiver, startReceiver } from './receiver.ts';
import { call, eventually, type Json, startTestApp } from './testApp.ts';

/**
 * What a delivery test file needs: the local app (with its queue consumer), a receiver, an SQS
 * client on the emulator for the queues, and the waits on what the receiver, the tenant's dead
 * letters and the safety-net DLQ got.
 */
export interface DeliveryHarness {
  app: LocalApp;
  receiver: Receiver;
  sqs: SQSClient;
  /** What the receiver got on this path (path and query, as sent). */
  at(path: string): Received[];
  /** Waits until the receiver got `n` requests on this path. */
  arrived(path: string, n?: number): Promise<Received[]>;
  /** A hook's dead letters as its tenant lists them (`GET /v1/dead-letters?hook_id=`). */
  deadLetters(token: string, hookId: string): Promise<Json[]>;
  /** Safety-net SQS DLQ messages that match: read and put back (visibility 0). */
  safetyNet(match: (letter: Json) => boolean): Promise<Json[]>;
  stop(): Promise<void>;
}

export async function startDeliveryHarness(env: Record<string, string>): Promise<DeliveryHarness> {
  const app = await startTestApp(env);
  const receiver = await startReceiver();
  const sqs = new SQSClient({
    endpoint: app.emulatorEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  return {
    app,
    receiver,
    sqs,
    at,
    arrived: (path, n = 1) => eventually(() => (at(path).length >= n ? at(path) : undefined)),
    deadLetters: async (token, hookId) => {
      const res = await call(app, 'GET', `/v1/dead-letters?hook_id=${hookId}`, { token });
      if (res.status !== 200) throw new Error(`GET /v1/dead-letters answered ${res.status}: ${res.text}`);
      return (res.body as Json).dead_letters as Json[];
    },
    safetyNet: async (wanted) => {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: app.resources.deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
        }),
      );
      return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Json).filter(wanted);
    },
    stop: async () => {
      sqs.destroy();
      await receiver.close();
      await app.stop();
    },
  };
}
