// Debian's Chromium for the browser tests, launched the same way by every e2e file.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Locally a missing Chromium skips the browser tests; in CI (.ci/run installs it) it is a failure. */
export const noBrowser: string | false = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)` : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
