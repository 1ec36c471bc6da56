import nock from 'nock';
import type { KvixiUserInfo } from '../../lib/index.js';

export const BASE_URL = 'https://kvixi.test';
export const APP_ID = '1732698123456';
export const APP_SECRET = '0f3c9a1b2c3d4e5f60718293a4b5c6d7';
export const AUTH_KEY = '5d41402abc4b2a76b9719d911017c592';
export const ACCESS_TOKEN = '7e2a4f6b8c0d1e3f5a7b9c1d3e5f7a9b';

/** The user_info of PROVIDER.md, as Sngine 4.x sends it. */
export function sampleUserInfo(overrides: Partial<KvixiUserInfo> = {}): KvixiUserInfo {
  return {
    user_id: '5',
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
    user_biography: 'Caf&eacute; owner',
    user_website: null,
    profile_picture: 'https://kvixi.test/content/uploads/photos/2024/05/sngine_0f3c.jpg',
    profile_cover: 'https://kvixi.test/content/uploads/',
    ...overrides,
  };
}

/** PHP json_encode: `/` as `\/`, non-ASCII as `\uXXXX`. */
export function phpJSON(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function providerError(message: string): string {
  return phpJSON({ error: true, message });
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** Sngine ≥4.0.4: reads the form body only; a GET answers "invalid app_id". */
export function mockPostExchange(
  expected: { authKey?: string; appSecret?: string } = {},
  reply: string = phpJSON({ access_token: ACCESS_TOKEN }),
): nock.Scope {
  return nock(BASE_URL)
    .post('/api/authorize', (body: Record<string, string>) =>
      body.app_id === APP_ID &&
      body.app_secret === (expected.appSecret ?? APP_SECRET) &&
      body.auth_key === (expected.authKey ?? AUTH_KEY))
    .reply(200, reply, JSON_HEADERS);
}

/** Sngine ≤4.0.3: reads the query string only, so a POST body is unseen. */
export function mockGetExchange(
  expected: { authKey?: string } = {},
  reply: string = phpJSON({ access_token: ACCESS_TOKEN }),
): nock.Scope {
  return nock(BASE_URL)
    .get('/api/authorize')
    .query({ app_id: APP_ID, app_secret: APP_SECRET, auth_key: expected.authKey ?? AUTH_KEY })
    .reply(200, reply, JSON_HEADERS);
}

export function mockPostIgnored(): nock.Scope {
  return nock(BASE_URL).post('/api/authorize').reply(200, providerError('Bad Request, invalid app_id'), JSON_HEADERS);
}

export function mockUserInfo(
  reply: string = phpJSON({ user_info: sampleUserInfo() }),
  query: Record<string, string> = { access_token: ACCESS_TOKEN },
): nock.Scope {
  return nock(BASE_URL).get('/api/get_user_info').query(query).reply(200, reply, JSON_HEADERS);
}

/** A whole successful provider side for one login on a ≥4.0.4 server. */
export function mockSuccessfulLogin(userInfo: KvixiUserInfo = sampleUserInfo()): nock.Scope[] {
  return [mockPostExchange(), mockUserInfo(phpJSON({ user_info: userInfo }))];
}
