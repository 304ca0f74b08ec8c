import { SQSClient } from '@aws-sdk/client-sqs';
import { traced } from '../observability/tracing.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/** The SQS client (delivery queue and DLQ), once per cold start; only the functions that queue import it. */
export const sqs = recordAwsCalls(traced(new SQSClient({})));
