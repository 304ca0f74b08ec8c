/**
 * A stand-in for the Lambda Node.js runtime, run as its own Node 22 process per function by the
 * bundle tier (test/support/bundleRuntime.ts): imports the handler from the task directory the
 * way the runtime does (`<file>.<export>` from the template's Handler), then answers invocations
 * one at a time. Invocations arrive as JSON lines on stdin; results go as JSON lines to fd 3, so
 * the function's own stdout (its logs) stays apart.
 *
 * argv: <task directory> <Handler, e.g. index.handler>
 */
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerSetting] = process.argv.slice(2);
const results = createWriteStream('', { fd: 3 });
const answer = (message) => results.write(`${JSON.stringify(message)}\n`);

const dot = handlerSetting.lastIndexOf('.');
const file = handlerSetting.slice(0, dot);
const exportName = handlerSetting.slice(dot + 1);
const candidates = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, `${file}${ext}`));
const modulePath = candidates.find((c) => existsSync(c));

let handler;
try {
  if (!modulePath) throw new Error(`Cannot find module ${file} in ${taskRoot}`);
  const mod = await import(pathToFileURL(modulePath).href);
  handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`${modulePath} does not export ${exportName}`);
  answer({ ready: true });
} catch (err) {
  answer({ initError: { name: err.name, message: err.message } });
  process.exit(1);
}

const invocations = createInterface({ input: process.stdin });
for await (const line of invocations) {
  const { id, event, deadline, functionName, traceId } = JSON.parse(line);
  // The runtime sets the trace header of each invocation in the environment.
  process.env._X_AMZN_TRACE_ID = traceId;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: 'bundle-tier',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  try {
    const result = await handler(event, context);
    answer({ id, result: result ?? null });
  } catch (err) {
    answer({ id, error: { errorType: err?.name ?? 'Error', errorMessage: err?.message ?? String(err) } });
  }
}
