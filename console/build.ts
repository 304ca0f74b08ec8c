/**
 * Builds the staff console: one esbuild bundle of console/src (no framework, no runtime
 * dependencies) next to index.html and console.css. Local mode serves the result from memory;
 * the stack writes it to a directory for its S3 deployment. The config.json each serves is its own.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, buildSync } from 'esbuild';

export const consoleRoot = dirname(fileURLToPath(import.meta.url));

export interface ConsoleAsset {
  /** Path under /console/, e.g. `app.js`. */
  path: string;
  contentType: string;
  body: Uint8Array;
}

const options: BuildOptions = {
  entryPoints: [join(consoleRoot, 'src', 'main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  write: false,
  legalComments: 'none',
};

function staticAssets(): ConsoleAsset[] {
  return [
    {
      path: 'index.html',
      contentType: 'text/html; charset=utf-8',
      body: readFileSync(join(consoleRoot, 'index.html')),
    },
    {
      path: 'console.css',
      contentType: 'text/css; charset=utf-8',
      body: readFileSync(join(consoleRoot, 'console.css')),
    },
  ];
}

const script = (contents: Uint8Array): ConsoleAsset => ({
  path: 'app.js',
  contentType: 'text/javascript; charset=utf-8',
  body: contents,
});

export async function buildConsole(): Promise<ConsoleAsset[]> {
  const result = await build(options);
  return [...staticAssets(), script(result.outputFiles![0]!.contents)];
}

/** Synchronous, for CDK's local asset bundling; writes every asset into `outDir`. */
export function buildConsoleInto(outDir: string): ConsoleAsset[] {
  const result = buildSync(options);
  const assets = [...staticAssets(), script(result.outputFiles![0]!.contents)];
  mkdirSync(outDir, { recursive: true });
  for (const asset of assets) writeFileSync(join(outDir, asset.path), asset.body);
  return assets;
}
