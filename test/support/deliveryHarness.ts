import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalApp } from '../../scripts/local/app.ts';
import { type Received, type Receiver, startReceiver } from './receiver.ts';
import { eventually, type Json, startTestApp } from './testApp.ts';

/**
 * What a delivery test file needs: the local app (with its queue consumer), a receiver, an SQS
 * client on the emulator for the queues, and the waits on what the receiver and the DLQ got.
 */
export interface DeliveryHarness {
  app: LocalApp;
  receiver: Receiver;
  sqs: SQSClient;
  /** What the receiver got on this path (path and query, as sent). */
  at(path: string): Received[];
  /** Waits until the receiver got `n` requests on this path. */
  arrived(path: string, n?: number): Promise<Received[]>;
  /** Dead letters that match (a hook id or a predicate): read and put back (visibility 0). */
  deadLetters(match: string | ((letter: Json) => boolean)): Promise<Json[]>;
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
    deadLetters: async (match) => {
      const wanted = typeof match === 'string' ? (l: Json) => l.hookId === match : match;
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
