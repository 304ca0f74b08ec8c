/** `npm run bench`: every benchmark, each printing a table. */
import { benchBundles } from './bundles.ts';

await benchBundles();
