import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { tracer } from '../observability/powertools.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/**
 * The Cognito user-pool client, created once per cold start like the clients of awsClients.ts
 * (endpoint from the standard AWS_ENDPOINT_URL, so the emulator serves it locally). A module of its
 * own so only the Clients function loads the Cognito SDK.
 */
export const cognito = recordAwsCalls(tracer.captureAWSv3Client(new CognitoIdentityProviderClient({})));
