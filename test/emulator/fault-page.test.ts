import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type KvixiEmulator } from '../../lib/emulator/index.js';
import { launchChromium, skipBrowserTests } from '../support/chromium.js';
import { colorSchemes, expectNoAxeViolations, expectNoHorizontalOverflow, viewports } from '../support/page-checks.js';

// An `http` fault without a body answers what a proxy in front of Sngine would: nginx's error page.

let emu: KvixiEmulator;
let app: EmulatorApp;
beforeAll(async () => {
  emu = await startEmulator({ apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }] });
  [app] = emu.apps as [EmulatorApp];
});
afterAll(() => emu.close());

describe('an http fault without a body', () => {
  it("answers nginx's 502 Bad Gateway page, as a real proxy writes it", async () => {
    emu.failNext('oauth', { type: 'http', status: 502 });
    const res = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    const page = await res.text();
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<title>502 Bad Gateway</title>');
    expect(page).toContain('<h1>502 Bad Gateway</h1>');
    expect(page).toContain('<center>nginx</center>');
  });

  it('names other statuses the same way, and keeps a given body or an empty 200', async () => {
    emu.failNext('authorize', { type: 'http', status: 504 });
    expect(await (await fetch(`${emu.url}/api/authorize`)).text()).toContain('<h1>504 Gateway Timeout</h1>');
    emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
    expect(await (await fetch(`${emu.url}/api/authorize`)).text()).toBe('Bad Gateway');
    emu.failNext('authorize', { type: 'http', status: 200 });
    expect(await (await fetch(`${emu.url}/api/authorize`)).text()).toBe('');
  });
});

describe.skipIf(skipBrowserTests)('the 502 page in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  for (const viewport of viewports) {
    for (const colorScheme of colorSchemes) {
      const where = `${viewport.name} (${viewport.width}px), ${colorScheme}`;
      it(`has no axe-core violations and no sideways scrolling: ${where}`, async () => {
        const context = await browser.newContext({ viewport, colorScheme });
        try {
          const page = await context.newPage();
          emu.failNext('oauth', { type: 'http', status: 502 });
          const res = await page.goto(`${emu.url}/api/oauth?app_id=${app.appId}`);
          expect(res?.status()).toBe(502);
          expect(await page.title()).toBe('502 Bad Gateway');
          await expectNoHorizontalOverflow(page, `the 502 page, ${where}`);
          await expectNoAxeViolations(page, `the 502 page, ${where}`);
        } finally {
          await context.close();
        }
      });
    }
  }
});
