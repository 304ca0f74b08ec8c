/**
 * `npm test` prints results, not application logs. The handlers log JSON lines through Powertools
 * (which writes to process.stdout, not console.*), and CDK prints a line per bundled asset. This
 * setup file, loaded in every test worker, holds what a test writes to stdout/stderr and prints it
 * under the test's name only when that test fails; console.* output is handled the same way by
 * vitest's `silent: 'passed-only'`. Tests that inspect output (captureOutput in inspect.ts) still
 * see every chunk: they wrap these writers. LATCHKEY_TEST_LOGS=1 shows everything as it happens.
 */
import { afterEach, beforeEach } from 'vitest';

if (process.env.LATCHKEY_TEST_LOGS !== '1') {
  const held: string[] = [];
  const original = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const hold = (chunk: unknown, ...rest: unknown[]): boolean => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    // Keep the stream contract: call the write callback if one was given.
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = hold as typeof process.stdout.write;
  process.stderr.write = hold as typeof process.stderr.write;

  beforeEach(() => {
    // What came before this test (a file's beforeAll, a previous test's stragglers) is dropped.
    held.length = 0;
  });
  afterEach((context) => {
    const failed = context.task.result?.state === 'fail';
    if (failed && held.length > 0) {
      original.err(`\n--- output of "${context.task.name}" ---\n${held.join('')}--- end of output ---\n`);
    }
    held.length = 0;
  });
}
