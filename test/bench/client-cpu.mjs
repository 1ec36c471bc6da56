// CPU time per token exchange + user info + profile mapping in KvixiClient, with fetch stubbed
// (each call answers a fresh Response, as undici would). Also prints the stub's own cost, so the
// difference is the client's. Figures only, nothing asserted.
//
//   node --import tsx test/bench/client-cpu.mjs
//   BENCH_LOGINS=20000 BENCH_ROUNDS=5 node --import tsx test/bench/client-cpu.mjs

import { KvixiClient } from '../../lib/client.ts';
import { mapProfile } from '../../lib/profile.ts';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BASE_URL = 'https://kvixi.test';
const token = '7e2a4f6b8c0d1e3f5a7b9c1d3e5f7a9b';
const tokenReply = JSON.stringify({ access_token: token });
const userInfoReply = JSON.stringify({
  user_info: {
    user_id: '5', user_name: 'jane', user_email: 'jane@example.com', user_firstname: 'Jane',
    user_lastname: 'O&#039;Brien', user_gender: 'Female', user_birthdate: '1990-05-17',
    user_picture: 'photos/2024/05/sngine_0f3c.jpg', user_cover: null, user_registered: '2023-01-01 10:00:00',
    user_verified: '1', user_relationship: 'single', user_biography: 'Caf&eacute; owner', user_website: null,
    profile_picture: `${BASE_URL}/content/uploads/photos/2024/05/sngine_0f3c.jpg`,
    profile_cover: `${BASE_URL}/content/uploads/`,
  },
}).replaceAll('/', '\\/');
const headers = { 'content-type': 'application/json' };

const stubFetch = async (url) =>
  new Response(String(url).includes('/api/authorize') ? tokenReply : userInfoReply, { status: 200, headers });

const client = new KvixiClient({ appId: '1732698123456', appSecret: '0f3c9a1b2c3d4e5f60718293a4b5c6d7', baseURL: BASE_URL, fetch: stubFetch });
const site = { baseURL: BASE_URL, uploadsURL: `${BASE_URL}/content/uploads/` };

async function viaClient() {
  const { accessToken } = await client.exchangeAuthKey('5d41402abc4b2a76b9719d911017c592');
  const { userInfo, raw } = await client.getUserInfoReply(accessToken);
  return mapProfile(userInfo, raw, site);
}

async function stubOnly() {
  await (await stubFetch(`${BASE_URL}/api/authorize`)).text();
  return (await stubFetch(`${BASE_URL}/api/get_user_info`)).text();
}

async function cpuPerCall(work) {
  const start = process.cpuUsage();
  for (let i = 0; i < LOGINS; i++) await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / LOGINS;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

await cpuPerCall(viaClient);
await cpuPerCall(stubOnly);
const client_ = [];
const stub = [];
for (let round = 0; round < ROUNDS; round++) {
  client_.push(await cpuPerCall(viaClient));
  stub.push(await cpuPerCall(stubOnly));
}
const total = median(client_);
const transport = median(stub);
console.log(`exchange + user info + profile: ${total.toFixed(1)} µs CPU (median of ${ROUNDS} × ${LOGINS})`);
console.log(`stubbed fetch + text() alone:   ${transport.toFixed(1)} µs CPU`);
console.log(`the client's own share:         ${(total - transport).toFixed(1)} µs CPU`);
