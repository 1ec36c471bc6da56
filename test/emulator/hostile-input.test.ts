import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
let app: EmulatorApp;

beforeEach(async () => {
  emu = await startEmulator({ users: [{ username: 'jane', firstname: 'Jane', gender: 'female' }] });
  app = emu.registerApp({ name: 'Acme', redirectURL: 'http://localhost:3000/cb' });
});
afterEach(() => emu.close());

async function authorize(form: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${emu.url}/api/authorize`, { method: 'POST', body: new URLSearchParams(form) });
  return res.json();
}

describe('input a browser or client could craft', () => {
  it('sends the sign-in form back home for a return path a browser would turn into another host', async () => {
    for (const target of ['/\t/evil.example/', '/\\evil.example', '//evil.example']) {
      const res = await fetch(`${emu.url}/signin`, {
        method: 'POST',
        redirect: 'manual',
        body: new URLSearchParams({ user_id: emu.users[0]!.userId, return: target }),
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/');
    }
  });

  it('trims app_id as PHP does: a NUL is blank, an ideographic space is not', async () => {
    expect(await authorize({ app_id: '\0', app_secret: 'x', auth_key: 'y' })).toEqual({
      error: true,
      message: 'Bad Request, invalid app_id',
    });
    expect(await authorize({ app_id: '\u3000', app_secret: 'x', auth_key: 'y' })).toMatchObject({
      message: "We're sorry, but the application you're trying to use doesn't exist or has been disabled",
    });
  });

  it('keeps user_gender for a lang that names an object property', async () => {
    const authKey = emu.issueAuthKey({ appId: app.appId, userId: emu.users[0]!.userId });
    const { access_token } = (await authorize({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey })) as {
      access_token: string;
    };
    for (const lang of ['__proto__', 'constructor']) {
      const res = await fetch(`${emu.url}/api/get_user_info?access_token=${access_token}&lang=${lang}`);
      expect(((await res.json()) as { user_info: Record<string, unknown> }).user_info.user_gender).toBe('Female');
    }
  });

  it('refuses a redirect URL with a control character and an app id beyond 15 digits', () => {
    expect(() => emu.registerApp({ name: 'X', redirectURL: 'http://a/b\nc' })).toThrow(/control characters/);
    expect(() => emu.registerApp({ name: 'X', redirectURL: 'http://a/b', appId: '123456789012345678' })).toThrow(/15 digits/);
  });
});
