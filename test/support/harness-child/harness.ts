// What the child test runs of test/hosts/chai-passport-strategy.test.ts share: a strategy on an
// emulator, driven by chai-passport-strategy the way its users write tests, with no error()
// registered.
import * as chai from 'chai';
import chaiPassportStrategy, { type ChaiWithPassport, type HarnessRequest } from 'chai-passport-strategy';
import { startEmulator, type KvixiEmulator } from '../../../lib/emulator/index.js';
import { KvixiStrategy } from '../../../lib/index.js';

export const harness: ChaiWithPassport['passport'] = (chai.use(chaiPassportStrategy) as unknown as ChaiWithPassport).passport;

export interface HarnessSetup {
  emu: KvixiEmulator;
  strategy: KvixiStrategy;
  /** Starts a login in the browser whose session this is. */
  start(session: Record<string, unknown>): Promise<void>;
  /** Prepares the callback request of that browser with a fresh auth key for Jane. */
  callback(session: Record<string, unknown>): (req: HarnessRequest) => void;
}

export async function setUp(): Promise<HarnessSetup> {
  const emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: 'Doe' }] });
  const { appId, appSecret } = emu.registerApp({ name: 'Harness', redirectURL: 'http://localhost:3000/auth/kvixi/callback' });
  const strategy = new KvixiStrategy(
    { appId, appSecret, baseURL: emu.url, callbackURL: '/auth/kvixi/callback' },
    async (_tokens, profile) => ({ id: profile.id, name: profile.displayName }),
  );
  const jane = emu.users[0]!.userId;
  return {
    emu,
    strategy,
    start: (session) =>
      new Promise((resolve) => {
        harness
          .use(strategy)
          .request((req) => {
            req.session = session;
          })
          .redirect(() => resolve())
          .authenticate();
      }),
    callback: (session) => (req) => {
      req.url = '/auth/kvixi/callback';
      req.query = { auth_key: emu.issueAuthKey({ appId, userId: jane }) };
      req.session = session;
    },
  };
}
