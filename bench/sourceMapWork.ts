/**
 * What `--enable-source-maps` costs at init, measured directly rather than as the difference of two
 * noisy medians (maps on − maps off): the bundle is imported in a fresh process with the deployed
 * flags under V8's sampling profiler (50 µs), and the time spent inside Node's source-map code
 * (`node:internal/source_map/*`: finding each loaded module's `sourceMappingURL`, its line lengths,
 * reading and parsing the map) is summed. Median over `runs` imports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './table.ts';

interface ProfileNode {
  id: number;
  callFrame: { url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of a profile spent in (or below) Node's source-map code. */
export function sourceMapMs(profile: Profile): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const underSourceMaps = new Map<number, boolean>();
  const isUnder = (id: number): boolean => {
    const known = underSourceMaps.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const result =
      node !== undefined &&
      (node.callFrame.url.includes('internal/source_map/') || (up !== undefined && isUnder(up)));
    underSourceMaps.set(id, result);
    return result;
  };
  let micros = 0;
  for (const [i, id] of profile.samples.entries()) {
    if (isUnder(id)) micros += profile.timeDeltas[i] ?? 0;
  }
  return micros / 1000;
}

/** Median source-map work (ms) of importing `file` with `flags` (which must enable source maps). */
export function sourceMapWorkMs(file: string, flags: string[], env: NodeJS.ProcessEnv, runs: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-maps-'));
  try {
    const script = `await import(${JSON.stringify(file)});`;
    for (let i = 0; i < runs; i++) {
      execFileSync(
        process.execPath,
        [
          ...flags,
          '--cpu-prof',
          '--cpu-prof-interval',
          '50',
          '--cpu-prof-dir',
          dir,
          '--input-type=module',
          '-e',
          script,
        ],
        { env, stdio: 'ignore' },
      );
    }
    const values = readdirSync(dir).map((f) =>
      sourceMapMs(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile),
    );
    return median(values);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
