/** `npm run emulator:install`: installs the pinned local AWS emulator into .venv/ (idempotent). */
import { ensureEmulatorInstalled } from './local/emulator.ts';

try {
  await ensureEmulatorInstalled((line) => console.log(line));
  console.log('emulator ready: .venv/bin/moto_server');
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
