// Strategy CPU per full login (start → callback → token exchange → profile → verify), for
// KvixiStrategy and for passport-github2 (passport-oauth2 with `state: true`), in one process and
// one run. Each strategy runs as Passport runs it (a fresh Object.create per request, the actions
// attached) with a plain-object session and a response that keeps its Set-Cookie headers (sent back
// as the Cookie header at the callback), and each provider reply is stubbed at the strategy's own
// HTTP boundary: a `fetch` that answers a Response for KvixiStrategy, the `oauth` module's
// `_executeRequest` for passport-oauth2. Rounds alternate so both see the same machine.
//
//   npm run bench:cpu                 (builds first)
//   BENCH_LOGINS=20000 BENCH_ROUNDS=6 node test/bench/cpu.mjs

import { randomBytes } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import GitHubStrategy from 'passport-github2';
import { KVIXI_CHANNELS, KvixiStrategy } from 'passport-kvixi';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);

const kvixiUserInfo = JSON.stringify({
  user_info: {
    user_id: '5', user_name: 'jane', user_email: 'jane@example.com', user_firstname: 'Jane',
    user_lastname: 'O&#039;Brien', user_gender: 'Female', user_birthdate: '1990-05-17',
    user_picture: 'photos/2024/05/sngine_0f3c.jpg', user_cover: null, user_registered: '2023-01-01 10:00:00',
    user_verified: '1', user_relationship: 'single', user_biography: 'Caf&eacute; owner', user_website: null,
    profile_picture: 'https://kvixi.com/content/uploads/photos/2024/05/sngine_0f3c.jpg',
    profile_cover: 'https://kvixi.com/content/uploads/',
  },
}).replaceAll('/', '\\/');
const kvixiToken = JSON.stringify({ access_token: randomBytes(16).toString('hex') });

const githubUser = JSON.stringify({
  login: 'jane', id: 5, node_id: 'MDQ6VXNlcjU=', avatar_url: 'https://avatars.githubusercontent.com/u/5?v=4',
  gravatar_id: '', url: 'https://api.github.com/users/jane', html_url: 'https://github.com/jane',
  type: 'User', site_admin: false, name: "Jane O'Brien", company: null, blog: '', location: null,
  email: 'jane@example.com', hireable: null, bio: 'Café owner', public_repos: 2, followers: 1, following: 0,
  created_at: '2023-01-01T10:00:00Z', updated_at: '2024-05-17T10:00:00Z',
});
const githubToken = JSON.stringify({ access_token: `gho_${randomBytes(18).toString('hex')}`, token_type: 'bearer', scope: '' });

// Keys and codes are opaque to both strategies: a counter keeps the bench's own work out of the figures.
let counter = 0;
const nextKey = () => (counter++).toString(16).padStart(32, '0');

const verify = (_tokens, profile, done) => done(null, { id: profile.id, name: profile.displayName });
const jsonHeaders = { 'content-type': 'application/json' };

const kvixiFetch = async (url) =>
  new Response(String(url).includes('/api/authorize') ? kvixiToken : kvixiUserInfo, { status: 200, headers: jsonHeaders });

function kvixi() {
  const strategy = new KvixiStrategy(
    { appId: '1732698123456', appSecret: randomBytes(16).toString('hex'), callbackURL: '/auth/kvixi/callback', fetch: kvixiFetch },
    verify,
  );
  return {
    strategy,
    startURL: '/auth/kvixi',
    callbackURL: () => `/auth/kvixi/callback?auth_key=${nextKey()}`,
  };
}

function github() {
  const strategy = new GitHubStrategy(
    { clientID: 'Iv1.0123456789abcdef', clientSecret: randomBytes(20).toString('hex'), callbackURL: '/auth/github/callback', state: true },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: profile.id, name: profile.displayName }),
  );
  strategy._oauth2._executeRequest = (_library, options, _body, callback) => {
    const body = options.path.startsWith('/login/oauth/access_token') ? githubToken : githubUser;
    process.nextTick(callback, null, body, { statusCode: 200, headers: jsonHeaders });
  };
  return {
    strategy,
    startURL: '/auth/github',
    callbackURL: (location) => `/auth/github/callback?code=${nextKey()}&state=${new URL(location).searchParams.get('state')}`,
  };
}

/** One request through the strategy as Passport drives it; resolves with the action it ended in. */
function run(strategy, req) {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy);
    attempt.redirect = (url) => resolve({ action: 'redirect', url });
    attempt.success = (user) => resolve({ action: 'success', user });
    attempt.fail = (challenge) => reject(new Error(`login failed: ${JSON.stringify(challenge)}`));
    attempt.error = reject;
    attempt.pass = () => reject(new Error('pass'));
    attempt.authenticate(req, {});
  });
}

/** As much of Node's response as a strategy uses to set a cookie (the session store's browser binding). */
function response() {
  const headers = new Map();
  return {
    headersSent: false,
    getHeader: (name) => headers.get(name.toLowerCase()),
    setHeader: (name, value) => headers.set(name.toLowerCase(), value),
  };
}

function request(url, session, cookie) {
  const mark = url.indexOf('?');
  const headers = { host: 'app.example', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
  if (cookie) headers.cookie = cookie;
  return {
    method: 'GET',
    url,
    originalUrl: url,
    headers,
    query: Object.fromEntries(new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1))),
    session,
    connection: { encrypted: false },
    socket: { encrypted: false },
    res: response(),
    isAuthenticated: () => false,
  };
}

/** The cookies a response set, as the browser sends them back (name=value only). */
function cookiesFrom(res) {
  const lines = res.getHeader('set-cookie') ?? [];
  return (Array.isArray(lines) ? lines : [lines]).map((line) => line.slice(0, line.indexOf(';'))).join('; ');
}

async function login(subject) {
  const session = {};
  const startRequest = request(subject.startURL, session);
  const start = await run(subject.strategy, startRequest);
  if (start.action !== 'redirect') throw new Error('the start did not redirect');
  const done = await run(subject.strategy, request(subject.callbackURL(start.url), session, cookiesFrom(startRequest.res)));
  if (done.action !== 'success' || done.user.id !== '5') throw new Error('the callback did not sign Jane in');
}

/**
 * What kvixi's stub costs by itself in one login: its two Responses, each read with text(). It is
 * part of passport-kvixi's figure (undici builds a Response for every real reply too);
 * passport-github2's stub hands over a string.
 */
const kvixiStubOnly = {
  login: async () => {
    await (await kvixiFetch('https://kvixi.com/api/authorize')).text();
    await (await kvixiFetch('https://kvixi.com/api/get_user_info?access_token=t')).text();
  },
};

/** Microseconds of CPU (user + system) per login over `count` logins. */
async function measure(subject, count) {
  const unsubscribe = subject.subscribe?.();
  const once = subject.login ?? (() => login(subject));
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await once();
  const used = process.cpuUsage(before);
  unsubscribe?.();
  return (used.user + used.system) / count;
}

/** A subscriber on every channel passport-kvixi publishes on, as a tracing tool would attach. */
function subscribeEverywhere() {
  const listeners = [];
  const names = Object.entries(KVIXI_CHANNELS).flatMap(([key, name]) =>
    key === 'outcome' ? [name] : ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) => `tracing:${name}:${event}`),
  );
  for (const name of names) {
    const listener = () => {};
    diagnostics_channel.subscribe(name, listener);
    listeners.push([name, listener]);
  }
  return () => listeners.forEach(([name, listener]) => diagnostics_channel.unsubscribe(name, listener));
}

const subjects = {
  'passport-kvixi': kvixi(),
  'passport-kvixi, channels subscribed': { ...kvixi(), subscribe: subscribeEverywhere },
  'passport-github2 (state: true)': github(),
  "passport-kvixi's fetch stub alone": kvixiStubOnly,
};
for (const subject of Object.values(subjects)) await measure(subject, Math.min(LOGINS, 5_000)); // warm-up

const results = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(subjects);
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) results[name].push(await measure(subjects[name], LOGINS));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`Strategy CPU per full login, ${LOGINS} logins × ${ROUNDS} rounds (median, min–max µs):`);
for (const [name, values] of Object.entries(results)) {
  console.log(`  ${name.padEnd(38)} ${median(values).toFixed(1).padStart(6)} µs  (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`);
}
const [ours, subscribed, theirs, stub] = Object.values(results).map(median);
console.log(`  diagnostics channels with a subscriber on each: ${(subscribed - ours).toFixed(1)} µs per login`);
console.log(`  passport-kvixi without its stub's two Responses (an estimate): ${(ours - stub).toFixed(1)} µs per login`);
console.log(`  ratio passport-kvixi / passport-github2: ${(ours / theirs).toFixed(2)}`);
