import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type EmulatorOptions, type KvixiEmulator } from '../../lib/emulator/index.js';

/** What a recipe test needs: an emulator with Jane, and the environment a recipe reads. */
export interface RecipeSite {
  emu: KvixiEmulator;
  appURL: string;
  appId: string;
  janeId: string;
}

/** An emulator with `users`, and an app registered there whose callback is on a free port of `host`. */
export async function siteOnFreePort(
  host: string,
  users: EmulatorOptions['users'],
): Promise<{ emu: KvixiEmulator; port: number; appURL: string; appId: string; appSecret: string }> {
  const emu = await startEmulator({ users });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const appURL = `http://${host}:${port}`;
  const { appId, appSecret } = emu.registerApp({ name: 'Recipe', redirectURL: `${appURL}/auth/kvixi/callback` });
  return { emu, port, appURL, appId, appSecret };
}

/**
 * Starts an emulator whose app sends Jane back to a free port on `host`, and sets the variables
 * the README's recipes read (KVIXI_APP_ID, KVIXI_APP_SECRET, KVIXI_BASE_URL, PORT, …) before the
 * recipe module is imported.
 */
export async function prepareRecipe(host = '127.0.0.1', extraEnv: Record<string, string> = {}): Promise<RecipeSite> {
  const site = await siteOnFreePort(host, [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }]);
  Object.assign(process.env, {
    KVIXI_APP_ID: site.appId,
    KVIXI_APP_SECRET: site.appSecret,
    KVIXI_BASE_URL: site.emu.url,
    KVIXI_COOKIE_SECRET: 'a cookie secret of at least thirty-two characters',
    PORT: String(site.port),
    ...extraEnv,
  });
  return { emu: site.emu, appURL: site.appURL, appId: site.appId, janeId: site.emu.users[0]!.userId };
}
