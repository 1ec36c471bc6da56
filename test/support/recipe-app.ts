import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

/** What a recipe test needs: an emulator with Jane, and the environment a recipe reads. */
export interface RecipeSite {
  emu: KvixiEmulator;
  appURL: string;
  appId: string;
  janeId: string;
}

/**
 * Starts an emulator whose app sends Jane back to a free port on `host`, and sets the variables
 * the README's recipes read (KVIXI_APP_ID, KVIXI_APP_SECRET, KVIXI_BASE_URL, PORT, …) before the
 * recipe module is imported.
 */
export async function prepareRecipe(host = '127.0.0.1', extraEnv: Record<string, string> = {}): Promise<RecipeSite> {
  const emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: "O'Brien" }] });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const appURL = `http://${host}:${port}`;
  const app = emu.registerApp({ name: 'Recipe', redirectURL: `${appURL}/auth/kvixi/callback` });
  Object.assign(process.env, {
    KVIXI_APP_ID: app.appId,
    KVIXI_APP_SECRET: app.appSecret,
    KVIXI_BASE_URL: emu.url,
    KVIXI_COOKIE_SECRET: 'a cookie secret of at least thirty-two characters',
    PORT: String(port),
    ...extraEnv,
  });
  return { emu, appURL, appId: app.appId, janeId: emu.users[0]!.userId };
}
