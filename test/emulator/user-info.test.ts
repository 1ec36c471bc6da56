import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorApp, type EmulatorOptions, type KvixiEmulator, type NewUser } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;
let app: EmulatorApp;

async function start(options: EmulatorOptions = {}): Promise<void> {
  emu = await startEmulator(options);
  app = emu.registerApp({ name: 'Test app', redirectURL: 'http://localhost:3000/cb' });
}

async function tokenFor(user: NewUser = {}): Promise<{ token: string; userId: string }> {
  const { userId } = emu.addUser(user);
  const authKey = emu.issueAuthKey({ appId: app.appId, userId });
  const res = await fetch(`${emu.url}/api/authorize`, {
    method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: authKey }),
  });
  const { access_token } = (await res.json()) as { access_token: string };
  return { token: access_token, userId };
}

async function userInfo(query: string): Promise<{ status: number; type: string | null; text: string; json: any }> {
  const res = await fetch(`${emu.url}/api/get_user_info?${query}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, json: JSON.parse(text) };
}

const refused = (message: string) => ({ error: true, message });

beforeEach(() => start());
afterEach(() => emu.close());

describe('/api/get_user_info refusals', () => {
  it('answers "invalid access_token" with HTTP 200 JSON when the token is missing or blank', async () => {
    expect(await userInfo('')).toMatchObject({ status: 200, type: 'application/json', json: refused('Bad Request, invalid access_token') });
    expect((await userInfo('access_token=%20%20')).json).toEqual(refused('Bad Request, invalid access_token'));
  });

  it('answers "invalid access_token" for an unknown token', async () => {
    expect((await userInfo(`access_token=${'a'.repeat(32)}`)).json).toEqual(refused('Bad Request, invalid access_token'));
  });

  it('reads the token from the query string only', async () => {
    const { token } = await tokenFor();
    const res = await fetch(`${emu.url}/api/get_user_info`, { method: 'POST', body: new URLSearchParams({ access_token: token }) });
    expect(await res.json()).toEqual(refused('Bad Request, invalid access_token'));
  });

  it('answers "expired access_token" once the documented hour has passed', async () => {
    const { token } = await tokenFor();
    emu.advance(3599);
    expect((await userInfo(`access_token=${token}`)).json).toHaveProperty('user_info');
    emu.advance(1);
    expect((await userInfo(`access_token=${token}`)).json).toEqual(refused('Bad Request, expired access_token'));
  });

  it('expires tokens after 60 seconds with accessTokenTTL: 60, as real Sngine servers do', async () => {
    await emu.close();
    let clock = Date.UTC(2025, 0, 1);
    await start({ accessTokenTTL: 60, now: () => clock });
    const { token } = await tokenFor();
    clock += 59_000;
    expect((await userInfo(`access_token=${token}`)).json).toHaveProperty('user_info');
    clock += 1_000;
    expect((await userInfo(`access_token=${token}`)).json).toEqual(refused('Bad Request, expired access_token'));
  });

  it('answers [] when the user was deleted after the token was issued', async () => {
    const { token, userId } = await tokenFor();
    expect(emu.deleteUser(userId)).toBe(true);
    const reply = await userInfo(`access_token=${token}`);
    expect(reply.text).toBe('[]');
    expect(reply.status).toBe(200);
  });

  it('answers "invalid parameters" for an unknown /api/ endpoint', async () => {
    const res = await fetch(`${emu.url}/api/get_friends?access_token=x`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(refused('Bad Request, invalid parameters'));
  });
});

describe('/api/get_user_info profile', () => {
  const jane: NewUser = {
    username: 'jane', email: 'jane@example.com', firstname: 'Jane', lastname: "O'Brien", gender: 'female',
    birthdate: '1990-05-17', picture: 'photos/2024/05/sngine_0f3c.jpg', registered: '2023-01-01 10:00:00',
    verified: true, relationship: 'single', biography: 'Café owner & <b>baker</b>', website: null,
  };

  it('lists the keys in the real server order, every value a string or null', async () => {
    const { token } = await tokenFor(jane);
    const { user_info } = (await userInfo(`access_token=${token}`)).json;
    expect(Object.keys(user_info)).toEqual([
      'user_id', 'user_name', 'user_email', 'user_firstname', 'user_lastname', 'user_gender', 'user_birthdate',
      'user_picture', 'user_cover', 'user_registered', 'user_verified', 'user_relationship', 'user_biography',
      'user_website', 'profile_picture', 'profile_cover',
    ]);
    for (const value of Object.values(user_info)) expect(value === null || typeof value === 'string').toBe(true);
  });

  it('sends the profile as Sngine 4.x does', async () => {
    const { token, userId } = await tokenFor(jane);
    expect((await userInfo(`access_token=${token}`)).json).toEqual({
      user_info: {
        user_id: userId,
        user_name: 'jane',
        user_email: 'jane@example.com',
        user_firstname: 'Jane',
        user_lastname: 'O&#039;Brien',
        user_gender: 'Female',
        user_birthdate: '1990-05-17',
        user_picture: 'photos/2024/05/sngine_0f3c.jpg',
        user_cover: null,
        user_registered: '2023-01-01 10:00:00',
        user_verified: '1',
        user_relationship: 'single',
        user_biography: 'Caf&eacute; owner &amp; &lt;b&gt;baker&lt;/b&gt;',
        user_website: null,
        profile_picture: `${emu.url}/content/uploads/photos/2024/05/sngine_0f3c.jpg`,
        profile_cover: `${emu.url}/content/uploads/`,
      },
    });
  });

  it('writes JSON as PHP json_encode does: \\/ for slashes and \\uXXXX for non-ASCII', async () => {
    const { token } = await tokenFor({ firstname: '李', lastname: 'José', picture: 'photos/a.jpg' });
    const { text, json } = await userInfo(`access_token=${token}`);
    expect(text).toContain('"user_firstname":"\\u674e"');
    expect(text).toContain('"user_lastname":"Jos&eacute;"');
    expect(text).toContain('"user_picture":"photos\\/a.jpg"');
    expect(text).not.toMatch(/[^\x00-\x7f]/);
    expect(json.user_info.user_firstname).toBe('李');
  });

  it('gives a user without a picture a null user_picture and the default avatar as profile_picture', async () => {
    const { token } = await tokenFor({ picture: null, gender: 'male' });
    const { user_info } = (await userInfo(`access_token=${token}`)).json;
    expect(user_info.user_picture).toBeNull();
    expect(user_info.profile_picture).toBe(`${emu.url}/content/themes/default/images/blank_profile_male.png`);
    const avatar = await fetch(user_info.profile_picture);
    expect(avatar.status).toBe(200);
    // Drawn as SVG under Sngine's .png name, so it stays sharp at any size.
    expect(avatar.headers.get('content-type')).toBe('image/svg+xml');
    expect(await avatar.text()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('sends genders by name: Male, Female and N/A', async () => {
    const genders = [];
    for (const gender of ['male', 'female', 'other'] as const) {
      const { token } = await tokenFor({ gender });
      genders.push((await userInfo(`access_token=${token}`)).json.user_info.user_gender);
    }
    expect(genders).toEqual(['Male', 'Female', 'N/A']);
  });

  it("names genders in the site language unless the request asks for lang=en_us", async () => {
    await emu.close();
    await start({ language: 'ar_sa' });
    const { token } = await tokenFor({ gender: 'female' });
    expect((await userInfo(`access_token=${token}`)).json.user_info.user_gender).toBe('أنثى');
    expect((await userInfo(`access_token=${token}&lang=en_us`)).json.user_info.user_gender).toBe('Female');
  });

  it('falls back to the site language for an unknown lang', async () => {
    const { token } = await tokenFor({ gender: 'male' });
    expect((await userInfo(`access_token=${token}&lang=xx_yy`)).json.user_info.user_gender).toBe('Male');
    expect((await userInfo(`access_token=${token}&lang=ar_sa`)).json.user_info.user_gender).toBe('ذكر');
  });

  it('fills missing fields of an added user with sensible values', async () => {
    const { token, userId } = await tokenFor();
    const { user_info } = (await userInfo(`access_token=${token}`)).json;
    expect(user_info).toMatchObject({
      user_id: userId, user_name: expect.stringMatching(/^\w+$/), user_email: expect.stringContaining('@'),
      user_verified: '0', user_registered: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    });
  });
});
