/**
 * `npm run browser:install`: makes sure the Chromium the browser tests drive is there — Debian's
 * `chromium` package, installed with apt-get when missing (root, or sudo without a password).
 * .ci/run calls it; the browser tests' setup fails with the same advice when it is missing.
 */
import { execFileSync } from 'node:child_process';
import { chromiumPath, missingChromiumMessage } from './browser/chromium.ts';

const found = chromiumPath();
if (found) {
  console.log(`chromium: ${execFileSync(found, ['--version'], { encoding: 'utf8' }).trim()} (${found})`);
  process.exit(0);
}
if (process.env.CHROMIUM_PATH) {
  console.error(missingChromiumMessage());
  process.exit(1);
}
const asRoot = process.getuid?.() === 0;
const run = (args: string[]) =>
  execFileSync(asRoot ? args[0]! : 'sudo', asRoot ? args.slice(1) : ['-n', ...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  console.log('chromium: not found; installing Debian’s chromium package with apt-get');
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium']);
} catch (err) {
  console.error(`apt-get could not install chromium (${(err as Error).message}).`);
  console.error(missingChromiumMessage());
  process.exit(1);
}
const installed = chromiumPath();
if (!installed) {
  console.error(missingChromiumMessage());
  process.exit(1);
}
console.log(`chromium: installed ${execFileSync(installed, ['--version'], { encoding: 'utf8' }).trim()}`);
