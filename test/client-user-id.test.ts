import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { KvixiClient } from '../lib/index.js';
import { ACCESS_TOKEN, APP_ID, APP_SECRET, BASE_URL } from './support/provider.js';

// A user_id is the key apps store, so it is a string as Sngine sends it, or a number only while
// JSON.parse keeps it exact: 9007199254740993 would be rounded into somebody else's id, and a
// boolean is no id at all.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

it.each([
  ['9007199254740993', '9007199254740993'],
  ['12345678901234567891', '12345678901234567891'],
])('never maps the numeric user_id %s to another user\'s id', async (raw, expected) => {
  nock(BASE_URL).get('/api/get_user_info').query(true)
    .reply(200, `{"user_info":{"user_id":${raw},"user_name":"x"}}`, { 'Content-Type': 'application/json' });
  const client = new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL });
  let id: string | undefined;
  try {
    id = (await client.getUserInfo(ACCESS_TOKEN)).user_id;
  } catch {
    id = undefined; // refusing the reply is fine too
  }
  expect([expected, undefined]).toContain(id);
});

it('does not accept a boolean as a user_id', async () => {
  nock(BASE_URL).get('/api/get_user_info').query(true)
    .reply(200, '{"user_info":{"user_id":true,"user_name":"x"}}', { 'Content-Type': 'application/json' });
  const client = new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: BASE_URL });
  const outcome = await client.getUserInfo(ACCESS_TOKEN).then((u) => u.user_id, () => 'refused');
  expect(outcome).toBe('refused');
});
