import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type middy from '@middy/core';

/**
 * X-Ray tracing as the deployment configures it (`-c tracing=...`, see infra/):
 *
 * - `lambda` (the stack's default) and `off`: no tracing code in the function. With `lambda`,
 *   Lambda's active tracing still records every invocation (init, invocation, overhead) at no
 *   cold-start cost.
 * - `sdk`: Powertools Tracer adds a subsegment per handler and per AWS SDK call. It brings
 *   aws-xray-sdk-core (about 115 KB, measured in `npm run bench` at tens of ms of cold start),
 *   so it is loaded only in this mode.
 *
 * The stack bundles each function with `process.env.LATCHKEY_TRACING` replaced by its setting, so
 * in the other modes esbuild drops the import below and the bundle does not carry the X-Ray SDK.
 */
export const TRACING_ENV = 'LATCHKEY_TRACING';

let tracer: Tracer | undefined;
let capture: typeof captureLambdaHandler | undefined;

if (process.env.LATCHKEY_TRACING === 'sdk') {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  // Request metadata only (the stack also sets POWERTOOLS_TRACER_CAPTURE_*=false): outbound HTTP
  // is not captured, since a hook's or device's URL may carry credentials.
  tracer = new Tracer({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'latchkey',
    captureHTTPsRequests: false,
  });
  capture = captureLambdaHandler;
}

/** The SDK client, with a subsegment per call when SDK tracing is on. */
export function traced<Client>(client: Client): Client {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/**
 * For middy's `.use()`: the handler-tracing middleware when SDK tracing is on, else none. No
 * handler's answer goes into a trace (hook URLs, headers, attempts, secrets): request metadata only.
 */
export function handlerTracer(): middy.MiddlewareObj[] {
  return tracer && capture ? [capture(tracer, { captureResponse: false })] : [];
}
