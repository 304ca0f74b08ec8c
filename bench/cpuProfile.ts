/**
 * Summarises a V8 CPU profile (`BENCH_CPU_PROF=dir npm run bench -- delivery`): self and inclusive
 * time per function, in µs per delivery when given how many deliveries the profile ran.
 * `node --import tsx bench/cpuProfile.ts <file.cpuprofile> [deliveries] [rows]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, deliveriesArg, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/cpuProfile.ts <file.cpuprofile> [deliveries] [rows]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const deliveries = Number(deliveriesArg ?? 0);
const rows = Number(rowsArg ?? 30);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n: ProfileNode) => {
  const where = n.callFrame.url.split('/').pop();
  return where
    ? `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber + 1}`
    : n.callFrame.functionName;
};

const sampled = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) {
  sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (const [id, micros] of sampled) {
  total += micros;
  const own = name(byId.get(id)!);
  self.set(own, (self.get(own) ?? 0) + micros);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = name(byId.get(at)!);
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    seen.add(key);
  }
}
const idle = self.get('(idle)') ?? 0;
const line = (key: string, micros: number) =>
  `| ${key} | ${(micros / 1000).toFixed(0)} | ${deliveries ? (micros / deliveries).toFixed(2) : ''} | ${((100 * micros) / (total - idle)).toFixed(1)} |`;
for (const [title, table] of [
  ['self', self],
  ['inclusive', inclusive],
] as const) {
  console.log(
    `\n${title} time (busy ${((total - idle) / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms)\n`,
  );
  console.log('| function | ms | µs/delivery | % of busy |\n| --- | --- | --- | --- |');
  for (const [key, micros] of [...table].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(line(key, micros));
}
