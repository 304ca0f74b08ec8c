import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { traced } from '../observability/tracing.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/**
 * The Cognito user-pool client (machine clients' app clients), once per cold start; endpoint from
 * the standard AWS_ENDPOINT_URL, so the emulator serves it locally. Only the Clients function
 * imports it.
 */
export const cognito = recordAwsCalls(traced(new CognitoIdentityProviderClient({})));
