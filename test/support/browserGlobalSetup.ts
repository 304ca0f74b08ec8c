import { chromiumPath, missingChromiumMessage } from '../../scripts/browser/chromium.ts';

/** The browser tests need a real Chromium; say how to get one instead of failing obscurely. */
export default function setup(): void {
  if (!chromiumPath()) throw new Error(missingChromiumMessage());
}
