import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { traced } from '../observability/tracing.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/**
 * The DynamoDB client, created once per cold start and shared by every table adapter. The endpoint
 * comes from the standard AWS_ENDPOINT_URL variable (the local emulator in tests and local mode).
 * Adapters take it as a parameter so a test may hand them another client. In tests, recordAwsCalls
 * adds the middleware that records each call for the IAM evaluation (a no-op unless enabled).
 *
 * Each SDK package has its own module (this one, sqsClient.ts, secretsClient.ts) so that a function
 * loads only the clients it calls: an SDK client it never uses costs tens of ms of cold start.
 */
export const dynamoDb = DynamoDBDocumentClient.from(recordAwsCalls(traced(new DynamoDBClient({}))), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

export type DocumentClient = typeof dynamoDb;
