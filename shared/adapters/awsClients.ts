import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability/powertools.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/**
 * SDK clients, created once per cold start and shared by every adapter. The endpoint comes from
 * the standard AWS_ENDPOINT_URL variable (the local emulator in tests and local mode). Adapters
 * take these as parameters so a test may hand them another client. In tests, recordAwsCalls adds
 * the middleware that records each call for the IAM evaluation (a no-op unless enabled).
 */
export const dynamoDb = DynamoDBDocumentClient.from(
  recordAwsCalls(tracer.captureAWSv3Client(new DynamoDBClient({}))),
  {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  },
);
export const sqs = recordAwsCalls(tracer.captureAWSv3Client(new SQSClient({})));
export const secretsManager = recordAwsCalls(tracer.captureAWSv3Client(new SecretsManagerClient({})));

export type DocumentClient = typeof dynamoDb;
