import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSchemathesis } from '../../scripts/fuzz/schemathesis.ts';
import type { LocalApp } from '../../scripts/local/app.ts';
import { mintToken } from '../../scripts/local/jwt.ts';
import { newTenant, startTestApp } from '../support/testApp.ts';

/**
 * The OpenAPI document is the whole contract: Schemathesis reads it from the running local mode
 * and, authenticated as an admin of a fresh tenant, runs its examples, coverage, fuzzing and
 * stateful phases with its default checks (server errors, undocumented statuses, response
 * schema conformance, content types and headers, schema-invalid requests refused, schema-valid
 * ones accepted). It must find nothing. The run's summary goes to .test-results/schemathesis.txt.
 *
 * Outbound requests the fuzzed hooks would make are confined to loopback (PUBLIC_TARGETS=refused):
 * a generated URL never reaches another machine.
 */
const resultsDir = join(process.cwd(), '.test-results');
let app: LocalApp;

beforeAll(async () => {
  app = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'loopback', PUBLIC_TARGETS: 'refused' });
});

afterAll(async () => {
  await app?.stop();
});

describe('Schemathesis against local mode', () => {
  it('finds no server error, undocumented status or schema violation in any operation', async () => {
    const token = await mintToken({ tenant: newTenant('fuzz'), roles: ['admin'], sub: 'fuzzer' });
    const workdir = join(resultsDir, 'fuzz');
    mkdirSync(workdir, { recursive: true });
    const result = await runSchemathesis({
      baseUrl: app.url,
      token,
      maxExamples: Number(process.env.LATCHKEY_FUZZ_EXAMPLES ?? 15),
      seed: process.env.LATCHKEY_FUZZ_SEED ?? '20261129',
      workdir,
      timeoutMs: 420_000,
    });
    writeFileSync(join(resultsDir, 'schemathesis.txt'), `${result.output}\n`);
    if (result.exitCode !== 0) console.log(result.output.slice(-20_000));
    expect(result.summary).toMatch(/Test cases:/);
    expect(result.summary).not.toMatch(/Failures:|Errors:/);
    expect(result.exitCode).toBe(0);
  });
});
