import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** shared/observability/tracing.ts reads LATCHKEY_TRACING once, at import: import it afresh per case. */
async function loadTracing(mode: string | undefined) {
  vi.resetModules();
  if (mode === undefined) delete process.env.LATCHKEY_TRACING;
  else process.env.LATCHKEY_TRACING = mode;
  return import('#shared/observability/tracing.ts');
}

const middlewareNames = (client: SQSClient) => client.middlewareStack.identify().join(' ');

describe('tracing as configured', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    delete process.env.LATCHKEY_TRACING;
  });

  it.each([undefined, 'lambda', 'off'])(
    'adds nothing to handlers or SDK clients when the mode is %s',
    async (mode) => {
      const tracing = await loadTracing(mode);
      const client = new SQSClient({});
      const before = middlewareNames(client);
      expect(tracing.traced(client)).toBe(client);
      expect(middlewareNames(client)).toBe(before);
      expect(tracing.handlerTracer()).toEqual([]);
    },
  );

  it('traces the handler and every SDK call with Powertools when the mode is sdk', async () => {
    // As in Lambda: Powertools traces only in a Lambda execution environment with tracing enabled.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
    const tracing = await loadTracing('sdk');
    const client = new SQSClient({});
    const before = middlewareNames(client);
    tracing.traced(client);
    expect(middlewareNames(client)).not.toBe(before);
    const [middleware] = tracing.handlerTracer();
    expect(typeof middleware?.before).toBe('function');
    expect(typeof middleware?.after).toBe('function');
  });
});
