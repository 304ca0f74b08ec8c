import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { esbuildOptions } from '../../infra/constructs/bundling.ts';
import { LatchkeyStack } from '../../infra/latchkeyStack.ts';

/**
 * The bundles the stack deploys (issue 13): each within the 400 KiB budget, carrying only code the
 * function runs. Sizes, not times: init times live in `npm run bench`.
 */
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUDGET_BYTES = 400 * 1024;

/** Strings that appear in a bundle only when the named dependency was bundled. */
const markers = {
  undici: 'UND_ERR_',
  xray: 'AWS_XRAY_CONTEXT_MISSING',
  zod: '$ZodType',
} as const;

interface Bundle {
  code: string;
  bytes: number;
  map: { sources: string[]; sourcesContent?: unknown[] };
}

function synthBundles(outdir: string): Map<string, Bundle> {
  const app = new App({ outdir });
  const stack = new LatchkeyStack(app, 'Latchkey', {
    projectRoot,
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const bundles = new Map<string, Bundle>();
  for (const [id, fn] of stack.functions) {
    const logicalId = stack.getLogicalId(fn.node.defaultChild as never);
    const key = template.Resources[logicalId]?.Properties.Code?.S3Key;
    if (!key) throw new Error(`no code asset for ${id}`);
    const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    const file = join(dir, 'index.mjs');
    bundles.set(id, {
      code: readFileSync(file, 'utf8'),
      bytes: statSync(file).size,
      map: existsSync(`${file}.map`) ? JSON.parse(readFileSync(`${file}.map`, 'utf8')) : { sources: [] },
    });
  }
  return bundles;
}

describe('function bundles (default tracing)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'latchkey-bundles-'));
  let bundles = new Map<string, Bundle>();
  beforeAll(() => {
    bundles = synthBundles(outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('has one bundle per manifest function, each within 400 KiB', () => {
    expect([...bundles.keys()].sort()).toEqual(functions.map((f) => f.id).sort());
    const over = [...bundles].filter(([, b]) => b.bytes > BUDGET_BYTES).map(([id, b]) => `${id}: ${b.bytes}`);
    expect(over).toEqual([]);
  });

  it('carries no undici, no X-Ray SDK and no zod locales anywhere', () => {
    for (const [id, bundle] of bundles) {
      expect({ id, undici: bundle.code.includes(markers.undici) }).toEqual({ id, undici: false });
      expect({ id, xray: bundle.code.includes(markers.xray) }).toEqual({ id, xray: false });
      const localeFiles = bundle.map.sources.filter((s) => /zod\/v4\/locales\/(?!en\.js|index\.js)/.test(s));
      expect({ id, localeFiles }).toEqual({ id, localeFiles: [] });
    }
  });

  it("reads node:http and node:https without an ES import (whose facade loads Node's internal undici)", () => {
    for (const [id, bundle] of bundles) {
      const esImports = bundle.code.match(/from\s*"node:https?"/g) ?? [];
      expect({ id, esImports }).toEqual({ id, esImports: [] });
    }
    expect(bundles.get('Dispatcher')?.code).toContain('getBuiltinModule("node:http")');
  });

  it('keeps zod and Powertools out of the health check, which validates, logs and measures nothing', () => {
    expect(bundles.get('Health')?.code.includes(markers.zod)).toBe(false);
    expect(bundles.get('Health')?.map.sources.filter((s) => s.includes('@aws-lambda-powertools'))).toEqual(
      [],
    );
    expect(bundles.get('Hooks')?.code.includes(markers.zod)).toBe(true);
  });

  it('ships a linked source map without the sources (small to read at init)', () => {
    for (const [id, bundle] of bundles) {
      expect({ id, sources: bundle.map.sources.length > 0 }).toEqual({ id, sources: true });
      expect({ id, sourcesContent: bundle.map.sourcesContent ?? [] }).toEqual({ id, sourcesContent: [] });
      expect(bundle.code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
  });

  it('carries only the services its handler calls (one accessor per part, sideEffects: false)', () => {
    const modules = (id: string) =>
      (bundles.get(id)?.map.sources ?? [])
        .map((s) => /(?:shared|functions)\/[\w/]+\.ts$/.exec(s)?.[0])
        .filter((s): s is string => s !== undefined);
    const never: Record<string, string[]> = {
      Services: [
        'shared/services/hookService.ts',
        'shared/adapters/hookStore.ts',
        'shared/adapters/secretStore.ts',
      ],
      Interlock: [
        'shared/services/hookService.ts',
        'shared/domain/hookInput.ts',
        'shared/services/deliveryService.ts',
        'shared/services/triggerService.ts',
        'shared/domain/deadLetter.ts',
      ],
      Dispatcher: [
        'shared/services/interlockService.ts',
        'shared/services/triggerService.ts',
        'shared/services/hookService.ts',
      ],
      Triggers: [
        'shared/services/deliveryService.ts',
        'shared/domain/deadLetter.ts',
        'shared/adapters/eventStore.ts',
      ],
      Ovation: [
        'shared/adapters/deadLetterStore.ts',
        'shared/adapters/eventStore.ts',
        'shared/adapters/deliveryLog.ts',
      ],
      Events: [
        'shared/services/interlockService.ts',
        'shared/services/dispatcher.ts',
        'shared/services/triggerService.ts',
      ],
    };
    for (const [id, unused] of Object.entries(never)) {
      const carried = modules(id).filter((m) => unused.includes(m));
      expect({ id, carried }).toEqual({ id, carried: [] });
    }
  });

  it('loads the outbound HTTP client, SQS and Secrets Manager only in the functions that use them', () => {
    const uses = (id: string, source: RegExp) => bundles.get(id)?.map.sources.some((s) => source.test(s));
    const outboundHttp = /shared\/adapters\/outboundHttp\.ts$/;
    const sqs = /shared\/adapters\/sqsClient\.ts$/;
    const secrets = /shared\/adapters\/secretsClient\.ts$/;
    for (const id of ['Events', 'Dispatcher', 'Interlock'])
      expect({ id, http: uses(id, outboundHttp) }).toEqual({ id, http: true });
    for (const id of ['Health', 'Hooks', 'Ovation', 'Services'])
      expect({ id, http: uses(id, outboundHttp) }).toEqual({ id, http: false });
    expect(
      functions
        .filter((f) => uses(f.id, sqs))
        .map((f) => f.id)
        .sort(),
    ).toEqual(['Dispatcher', 'Events']);
    expect(
      functions
        .filter((f) => uses(f.id, secrets))
        .map((f) => f.id)
        .sort(),
    ).toEqual(
      functions
        .filter((f) => f.access.secrets)
        .map((f) => f.id)
        .sort(),
    );
  });
});

describe('what a bundle evaluates at cold start', () => {
  /** The modules a function's entry reaches through static imports only (evaluated at import). */
  async function staticallyReached(id: string): Promise<{ eager: Set<string>; all: Set<string> }> {
    const spec = functions.find((f) => f.id === id)!;
    const outdir = mkdtempSync(join(tmpdir(), 'latchkey-graph-'));
    try {
      const result = await build({
        ...esbuildOptions(join(projectRoot, spec.entry), join(outdir, 'index.mjs'), 'lambda'),
        metafile: true,
        write: false,
      });
      const inputs = result.metafile.inputs;
      const eager = new Set([spec.entry]);
      const queue = [spec.entry];
      while (queue.length) {
        for (const imported of inputs[queue.shift()!]?.imports ?? []) {
          if (imported.external || imported.kind === 'dynamic-import' || eager.has(imported.path)) continue;
          eager.add(imported.path);
          queue.push(imported.path);
        }
      }
      return { eager, all: new Set(Object.keys(inputs)) };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('loads the hook service in Triggers only when a subscription is managed, not for door calls', async () => {
    const { eager, all } = await staticallyReached('Triggers');
    const lazy = ['shared/services/hookService.ts', 'shared/domain/hookInput.ts'];
    expect(lazy.filter((m) => eager.has(m))).toEqual([]);
    expect(lazy.filter((m) => all.has(m))).toEqual(lazy);
  });

  it('builds hook validation in Events never at cold start (it reads hooks; writes load it)', async () => {
    const { eager, all } = await staticallyReached('Events');
    expect(eager.has('shared/domain/hookInput.ts')).toBe(false);
    expect(all.has('shared/domain/hookInput.ts')).toBe(true);
  });

  it('builds the OpenAPI document (every contract) in Hooks only when it is asked for', async () => {
    const { eager, all } = await staticallyReached('Hooks');
    expect(eager.has('shared/http/openApi.ts')).toBe(false);
    expect(all.has('shared/http/openApi.ts')).toBe(true);
  });

  it('builds response-only (OpenAPI) schemas in no function at cold start: views import them as types', async () => {
    const docOnly = [
      'shared/domain/deadLetterSchemas.ts',
      'shared/domain/eventViewSchemas.ts',
      'shared/domain/hookViewSchemas.ts',
      'shared/domain/ovationHookSchemas.ts',
      'shared/domain/triggerViewSchemas.ts',
    ];
    for (const { id } of functions) {
      const { eager, all } = await staticallyReached(id);
      expect({ id, built: docOnly.filter((m) => eager.has(m)) }).toEqual({ id, built: [] });
      // Hooks still carries them for GET /v1/openapi.json, behind the dynamic import.
      if (id === 'Hooks') expect(docOnly.filter((m) => !all.has(m))).toEqual([]);
    }
  });
});
