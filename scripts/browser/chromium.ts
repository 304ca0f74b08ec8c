/**
 * Where the browser tests and the console screenshots find Chromium: `CHROMIUM_PATH`, else
 * Debian's `chromium` package. Playwright drives it as it is (playwright-core: no browser download).
 */
import { existsSync } from 'node:fs';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  return existsSync(path) ? path : undefined;
}

export const missingChromiumMessage = (): string =>
  `Chromium not found at ${process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM}. The browser tests drive a real headless Chromium: ` +
  'run `npm run browser:install` (installs Debian’s chromium package with apt-get, as root) or set CHROMIUM_PATH to a Chromium binary.';
