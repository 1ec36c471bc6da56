import diagnostics_channel from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATOR_CHANNELS, startEmulator, type EmulatorApiCall, type KvixiEmulator } from '../../lib/emulator/index.js';
import { KvixiClient } from '../../lib/index.js';

// The emulator publishes each API call it answered, so a test watches the provider side as it happens.

let emu: KvixiEmulator;
let calls: EmulatorApiCall[] = [];
const listener = (message: unknown) => calls.push(message as EmulatorApiCall);

beforeAll(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', lastname: 'Doe' }] });
});
afterAll(() => emu?.close());
beforeEach(() => {
  calls = [];
  diagnostics_channel.subscribe(EMULATOR_CHANNELS.apiCall, listener);
});
afterEach(() => {
  diagnostics_channel.unsubscribe(EMULATOR_CHANNELS.apiCall, listener);
});

describe('the emulator on node:diagnostics_channel', () => {
  it('publishes each answered API call with its outcome, secrets masked', async () => {
    const { appId, appSecret } = emu.registerApp({ name: 'Watched', redirectURL: 'http://localhost:3000/cb' });
    const client = new KvixiClient({ appId, appSecret, baseURL: emu.url });
    const authKey = emu.issueAuthKey({ appId, userId: emu.users[0]!.userId });
    const tokens = await client.exchangeAuthKey(authKey);
    await client.getUserInfoReply(tokens.accessToken);
    await expect(client.exchangeAuthKey(authKey)).rejects.toThrow(/invalid auth_key/);

    expect(calls.map(({ endpoint, outcome, message, status }) => ({ endpoint, outcome, message, status }))).toEqual([
      { endpoint: 'authorize', outcome: 'ok', message: undefined, status: 200 },
      { endpoint: 'get_user_info', outcome: 'ok', message: undefined, status: 200 },
      { endpoint: 'authorize', outcome: 'error', message: 'Bad Request, invalid auth_key', status: 200 },
    ]);
    expect(calls[0]!.request).toMatchObject({ method: 'POST', path: '/api/authorize', body: { app_id: appId, app_secret: '***', auth_key: '***' } });
    const published = JSON.stringify(calls);
    for (const secret of [appSecret, authKey, tokens.accessToken]) expect(published).not.toContain(secret);
  });

  it('marks an injected fault as such', async () => {
    const { appId, appSecret } = emu.registerApp({ name: 'Faulty', redirectURL: 'http://localhost:3000/cb' });
    emu.failNext('authorize', { type: 'http', status: 502, body: 'Bad Gateway' });
    await expect(new KvixiClient({ appId, appSecret, baseURL: emu.url }).exchangeAuthKey('k')).rejects.toThrow();
    expect(calls).toMatchObject([{ endpoint: 'authorize', outcome: 'fault', status: 502 }]);
  });
});
