import type { BuildOptions } from 'esbuild';

/** X-Ray tracing of a deployment (context `tracing`); see shared/observability/tracing.ts. */
export type TracingMode = 'lambda' | 'sdk' | 'off';
export const tracingModes: readonly TracingMode[] = ['lambda', 'sdk', 'off'];

/**
 * How every function is bundled: one description read by the CDK construct (NodejsFunction) and
 * by `npm run bench`, so the bench measures exactly what is deployed.
 *
 * - ESM, minified, for Node 22, with a `require` shim for the CommonJS dependencies.
 * - `@aws-sdk/*` is left to the Lambda runtime: bundling the clients would start them about twice
 *   as fast, but DynamoDB's client alone bundles to 333 KiB, so a function with two or three
 *   clients could not stay under the 400 KiB budget (README "Benchmarks").
 * - `process.env.LATCHKEY_TRACING` is replaced by the deployment's tracing mode, so a bundle
 *   carries the X-Ray SDK only when SDK tracing is on.
 * - A linked source map without sources content, read only when Node runs with
 *   `--enable-source-maps` (the stack sets it): readable stack traces for a few ms of init.
 */
export const bundling = {
  format: 'esm',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  externalModules: ['@aws-sdk/*'],
  banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
  sourceMap: true,
  sourcesContent: false,
} as const;

export const NODE_OPTIONS = '--enable-source-maps';

export function defineFor(tracing: TracingMode): Record<string, string> {
  return { 'process.env.LATCHKEY_TRACING': JSON.stringify(tracing) };
}

/** The same bundle with esbuild's API (for the bench and tests); `outfile` gets a linked `.map`. */
export function esbuildOptions(entry: string, outfile: string, tracing: TracingMode): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: bundling.format,
    target: bundling.target,
    minify: bundling.minify,
    mainFields: [...bundling.mainFields],
    external: [...bundling.externalModules],
    banner: { js: bundling.banner },
    sourcemap: bundling.sourceMap ? 'linked' : false,
    sourcesContent: bundling.sourcesContent,
    define: defineFor(tracing),
    logLevel: 'silent',
  };
}
