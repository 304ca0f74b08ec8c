/** `npm run bench`: every benchmark, each printing a table. */
import { benchBundles } from './bundles.ts';
import { benchDelivery } from './delivery.ts';

await benchDelivery();
await benchBundles();
