/**
 * `npm run emulator`: only the local AWS emulator, on LATCHKEY_EMULATOR_PORT (or a free port),
 * for poking at it with the AWS CLI or SDK. Ctrl-C stops it.
 */
import { startEmulator } from './local/emulator.ts';

try {
  const emulator = await startEmulator();
  console.log(
    `emulator on ${emulator.endpoint} (pid ${emulator.pid}); export AWS_ENDPOINT_URL=${emulator.endpoint}`,
  );
  const stop = async () => {
    await emulator.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
