import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { traced } from '../observability/tracing.ts';
import { recordAwsCalls } from './awsCallRecorder.ts';

/** The API Gateway v2 client (the JWT authorizer's audience), once per cold start; only the Clients function imports it. */
export const apiGateway = recordAwsCalls(traced(new ApiGatewayV2Client({})));
