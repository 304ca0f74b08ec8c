/**
 * `npm run bench [-- bundles|delivery|aws ...]`: every benchmark (or the ones named), each printing
 * its tables. README "Benchmarks" quotes them with the machine they ran on.
 */
import { cpus, loadavg } from 'node:os';
import { benchAws } from './aws.ts';
import { benchBundles } from './bundles.ts';
import { benchDelivery } from './delivery.ts';

const all = { bundles: benchBundles, delivery: benchDelivery, aws: benchAws } as const;
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in all));
if (unknown.length > 0) {
  console.error(`Unknown bench ${unknown.join(', ')}; choose from ${Object.keys(all).join(', ')}`);
  process.exit(2);
}
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}, load ${load}`,
);
for (const [name, bench] of Object.entries(all)) {
  if (wanted.length === 0 || wanted.includes(name)) await bench();
}
