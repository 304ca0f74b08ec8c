import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { traced } from '../observability/tracing.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/** The Secrets Manager client (hook credentials), once per cold start; only functions that read or write credentials import it. */
export const secretsManager = recordAwsCalls(traced(new SecretsManagerClient({})));
