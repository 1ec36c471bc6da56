import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; the binary under /usr/lib skips the wrapper script's noise. Never a downloaded browser. */
export const chromiumPath = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((path) => existsSync(path));

/** In CI a missing browser is a failure, not a reason to skip. */
export const browserRequired = process.env.CI === 'true' || process.env.KVIXI_REQUIRE_BROWSER === '1';

/** True when the browser tests should be skipped here, with the reason printed once. */
export const skipBrowserTests = !chromiumPath && !browserRequired;
if (skipBrowserTests) {
  console.warn('Skipping browser tests: Chromium is not installed (apt-get install chromium). CI requires it.');
}

/** `extraArgs`: more command-line switches, e.g. `--host-resolver-rules` for a test's own host names. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!chromiumPath) throw new Error('Chromium is not installed: apt-get install chromium');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      ...extraArgs,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
