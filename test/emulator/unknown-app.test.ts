import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
beforeEach(async () => {
  emu = await startEmulator({ apps: [{ name: 'Acme', redirectURL: 'http://localhost:3000/cb' }] });
});
afterEach(() => emu.close());

describe("the login page for an app that doesn't exist", () => {
  it("keeps Sngine's words for the user and adds, in the emulator only, the likely cause for a developer", async () => {
    const res = await fetch(`${emu.url}/api/oauth?app_id=1732698123456`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<p class="error">We&#39;re sorry, but the application you&#39;re trying to use doesn&#39;t exist or has been disabled</p>');
    expect(page).toContain('For developers: kvixi-emulator makes a new app_id and app_secret on every start unless it is given --app-id and --app-secret, or --data');
  });

  it('does not add the line to other error pages', async () => {
    emu.failNext('oauth', { type: 'error', message: 'The developers module has been disabled by the admin' });
    const page = await (await fetch(`${emu.url}/api/oauth?app_id=${emu.apps[0]!.appId}`)).text();
    expect(page).toContain('The developers module has been disabled by the admin');
    expect(page).not.toContain('For developers');
  });
});
