/** A plain interlock relay (scripts/local/deviceServers.ts) in its own process for bench/aws.ts; port over IPC. */
import { startPlainInterlock } from '../scripts/local/deviceServers.ts';

const device = await startPlainInterlock();
process.send?.({ url: device.url });
process.on('disconnect', () => {
  void device.close().then(() => process.exit(0));
});
