import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Where the integration and bundle tiers record each function's AWS calls for the IAM tier. */
const awsCallLog = (tier: string) => ({
  LATCHKEY_AWS_CALL_LOG: join(import.meta.dirname, '.test-results', 'aws-calls', tier),
});

/**
 * Projects, all run by `npm test`:
 *  - unit: pure domain, no AWS
 *  - integration: handlers over real HTTP against the local AWS emulator (moto), real SDK clients;
 *    every AWS call is recorded per function (shared/adapters/awsCallRecorder.ts)
 *  - bundle: each function's bundle from the cloud assembly run as Lambda runs it (own Node 22
 *    process, the template's environment, the SDK only where the runtime has it); calls recorded
 *  - infra: CDK assertions and cdk-nag on the synthesized stack
 *  - fuzz: Schemathesis against local mode from the OpenAPI document (zero failures)
 *  - browser: the staff console in a real headless Chromium against local mode
 *  - e2e: `npm start` as a user runs it
 *  - iam: after the others (groupOrder 2), evaluates every recorded call against the calling
 *    function's role in the synthesized template with a real IAM policy evaluator
 * Results also go to .test-results/vitest.json, from which .ci/run prints its closing line.
 */
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
    // Results and a summary, not application logs: a test's output is shown only when it fails
    // (test/support/quietOutput.ts for stdout/stderr writes, `silent` for console.*).
    silent: process.env.LATCHKEY_TEST_LOGS === '1' ? false : 'passed-only',
    setupFiles: ['test/support/quietOutput.ts'],
    // Every tier runs in group 1 and the IAM evaluation in group 2, after the calls are recorded.
    // (Group 0 would not do: with one worker, vitest runs group-0 files last, in a group of their own.)
    sequence: { groupOrder: 1 },
    env: {
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/emulatorGlobalSetup.ts', 'test/support/awsCallLogSetup.ts'],
          env: awsCallLog('integration'),
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'bundle',
          include: ['test/bundle/**/*.test.ts'],
          globalSetup: ['test/support/emulatorGlobalSetup.ts', 'test/support/awsCallLogSetup.ts'],
          env: awsCallLog('bundle'),
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          globalSetup: [
            'test/support/fuzzerGlobalSetup.ts',
            'test/support/emulatorGlobalSetup.ts',
            'test/support/awsCallLogSetup.ts',
          ],
          // The fuzzer's calls reach more code paths than the scripted tests: the IAM tier checks them too.
          env: awsCallLog('fuzz'),
          testTimeout: 480_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/browserGlobalSetup.ts', 'test/support/emulatorGlobalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
      },
      {
        extends: true,
        test: {
          name: 'iam',
          include: ['test/iam/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
