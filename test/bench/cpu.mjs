// Strategy CPU per full login (start → callback → token exchange → profile → verify), for
// KvixiStrategy and for passport-github2 (passport-oauth2 with `state: true`), side by side in
// one run. Each strategy runs as Passport runs it (a fresh Object.create per request, the actions
// attached) with a plain-object session and a response that keeps its Set-Cookie headers (sent back
// as the Cookie header at the callback).
//
// Every measurement runs in a process of its own (a fresh heap, nothing else's garbage to
// collect), and the rounds rotate the subjects, so each is measured as a one-strategy app runs it.
//
// Part 1, the strategies alone, with the transport stubbed the same way for both: both send
// their requests through node:https by default (passport-oauth2 through the `oauth` module), and
// `https.request` is replaced by one fake that answers every request from memory with a readable
// body, as a real response would. Also printed: KvixiStrategy with a custom `fetch` whose stub
// answers a real `Response` (a web stream, as undici builds for every reply), and with a
// subscriber on every diagnostics channel.
//
// Part 2, the same logins over real HTTP on loopback, against a provider in a child process (so
// only the strategy's side is counted), each strategy as it runs by default (both over node:http),
// and KvixiStrategy once more with Node's fetch passed as its `fetch` option.
//
//   npm run bench:cpu                 (builds first)
//   BENCH_LOGINS=10000 BENCH_ROUNDS=12 BENCH_HTTP_LOGINS=2000 node test/bench/cpu.mjs
//   BENCH_HTTP_LOGINS=0 node test/bench/cpu.mjs      (part 1 only)

import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { EventEmitter, once } from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { Readable } from 'node:stream';
import GitHubStrategy from 'passport-github2';
import { KVIXI_CHANNELS, KvixiStrategy } from 'passport-kvixi';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const HTTP_LOGINS = Number(process.env.BENCH_HTTP_LOGINS ?? 2_000);
// Logins before the counted ones in each process, so the JIT has settled (fewer only to check the script runs).
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5_000);

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

const replies = new Map([
  ['/api/authorize', kvixiToken],
  ['/api/get_user_info', kvixiUserInfo],
  ['/login/oauth/access_token', githubToken],
  ['/user', githubUser],
]);
const replyTo = (path) => replies.get(path.split('?')[0]);

/** A ClientRequest that answers at once from `replies`, its body a stream as an IncomingMessage's is. */
class FakeRequest extends EventEmitter {
  constructor(options) {
    super();
    this.path = options.path;
  }

  setHeader() {}

  write() {
    return true;
  }

  end() {
    process.nextTick(() => {
      const res = new Readable({ read() {} });
      Object.assign(res, { statusCode: 200, headers: { ...jsonHeaders }, rawHeaders: ['Content-Type', 'application/json'], complete: true });
      res.push(Buffer.from(replyTo(this.path)));
      res.push(null);
      this.emit('response', res);
    });
    return this;
  }

  destroy() {
    return this;
  }
}

/** Replaces `https.request` (for CommonJS and ES modules alike) with the fake while a subject is measured. */
function stubHTTPS() {
  const https = createRequire(import.meta.url)('node:https');
  const original = https.request;
  https.request = (options) => new FakeRequest(options);
  syncBuiltinESMExports();
  return () => {
    https.request = original;
    syncBuiltinESMExports();
  };
}

/** A real Response, whose body is a web stream the client reads chunk by chunk. */
const kvixiResponseFetch = async (url) => new Response(replyTo(new URL(url).pathname), { status: 200, headers: jsonHeaders });

function kvixi(options = {}) {
  const strategy = new KvixiStrategy(
    { appId: '1732698123456', appSecret: randomBytes(16).toString('hex'), callbackURL: '/auth/kvixi/callback', ...options },
    verify,
  );
  return {
    strategy,
    startURL: '/auth/kvixi',
    callbackURL: () => `/auth/kvixi/callback?auth_key=${nextKey()}`,
  };
}

function github(urls) {
  const strategy = new GitHubStrategy(
    {
      clientID: 'Iv1.0123456789abcdef',
      clientSecret: randomBytes(20).toString('hex'),
      callbackURL: '/auth/github/callback',
      state: true,
      ...urls,
    },
    (_accessToken, _refreshToken, profile, done) => done(null, { id: String(profile.id), name: profile.displayName }),
  );
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

/** Microseconds of CPU (user + system) per login over `count` logins. */
async function measure(subject, count) {
  const unsubscribe = subject.subscribe?.();
  const restore = subject.stubbed ? stubHTTPS() : undefined;
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await login(subject);
  const used = process.cpuUsage(before);
  restore?.();
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

/** Every subject by name; `base` is the loopback provider's address for part 2. */
const subjects = {
  'passport-kvixi': () => ({ ...kvixi(), stubbed: true }),
  'passport-github2 (state: true)': () => ({ ...github(), stubbed: true }),
  'passport-kvixi, fetch stub answers a Response': () => kvixi({ fetch: kvixiResponseFetch }),
  'passport-kvixi, a subscriber on every channel': () => ({ ...kvixi(), stubbed: true, subscribe: subscribeEverywhere }),
  'passport-kvixi (node:http, the default)': (base) => kvixi({ baseURL: base }),
  'passport-github2 (node:http)': (base) =>
    github({ authorizationURL: `${base}/login/oauth/authorize`, tokenURL: `${base}/login/oauth/access_token`, userProfileURL: `${base}/user` }),
  'passport-kvixi, fetch: globalThis.fetch': (base) => kvixi({ fetch: globalThis.fetch, baseURL: base }),
};

// A measuring process: one subject, a warm-up, then the logins counted; the figure goes to the parent.
if (process.env.BENCH_CHILD) {
  const { name, count, base } = JSON.parse(process.env.BENCH_CHILD);
  const subject = subjects[name](base);
  await measure(subject, Math.max(count, WARMUP)); // warm-up: the JIT settles before the logins that count
  process.send(await measure(subject, count));
  process.disconnect();
} else {
  await main();
}

/** One measurement in a fresh process: µs per login. */
async function measureAlone(name, count, base) {
  const child = fork(new URL(import.meta.url), { env: { ...process.env, BENCH_CHILD: JSON.stringify({ name, count, base }) } });
  const [[figure]] = await Promise.all([once(child, 'message'), once(child, 'exit')]);
  return figure;
}

/** Each subject measured in `rounds` rotating rounds of `count` logins: µs per login. */
async function compare(names, count, rounds, base) {
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) results[name].push(await measureAlone(name, count, base));
  }
  return results;
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
/** The median of each round's own ratio: the two were measured next to each other, so load that comes and goes cancels out. */
function pairedRatio(ours, theirs) {
  return median(ours.map((value, round) => value / theirs[round]));
}
function print(results) {
  for (const [name, values] of Object.entries(results)) {
    console.log(`  ${name.padEnd(50)} ${median(values).toFixed(1).padStart(7)} µs  (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`);
  }
}

async function main() {
  const stubbed = await compare(Object.keys(subjects).slice(0, 4), LOGINS, ROUNDS);
  console.log(`Strategy CPU per full login, https.request stubbed for both, ${LOGINS} logins × ${ROUNDS} rounds, each in a process of its own (median, min–max µs):`);
  print(stubbed);
  const [ours, theirs, streamed, subscribed] = Object.values(stubbed).map(median);
  const [oursByRound, theirsByRound] = Object.values(stubbed);
  console.log(`  ratio passport-kvixi / passport-github2: ${(ours / theirs).toFixed(2)} of the medians, ${pairedRatio(oursByRound, theirsByRound).toFixed(2)} round by round  (target <= 1.0)`);
  console.log(`  a custom fetch answering Responses (web streams) instead: +${(streamed - ours).toFixed(1)} µs per login (two replies)`);
  console.log(`  diagnostics channels with a subscriber on each: +${(subscribed - ours).toFixed(1)} µs per login`);

  if (HTTP_LOGINS === 0) return;
  // Part 2: a provider that answers both strategies' endpoints at once, in a process of its own.
  const provider = fork(new URL('./cpu-provider.mjs', import.meta.url), [JSON.stringify({ kvixiToken, kvixiUserInfo, githubToken, githubUser })]);
  const port = await new Promise((resolve, reject) => {
    provider.once('message', resolve);
    provider.once('exit', (code) => reject(new Error(`the loopback provider exited (${code})`)));
  });
  try {
    const overHTTP = await compare(Object.keys(subjects).slice(4), HTTP_LOGINS, ROUNDS, `http://127.0.0.1:${port}`);
    console.log(`The same logins over HTTP on loopback, provider in another process, ${HTTP_LOGINS} logins per round (median, min–max µs):`);
    print(overHTTP);
    const [kvixiHTTP, githubHTTP, kvixiFetchHTTP] = Object.values(overHTTP).map(median);
    const [kvixiByRound, githubByRound] = Object.values(overHTTP);
    console.log(`  ratio passport-kvixi / passport-github2: ${(kvixiHTTP / githubHTTP).toFixed(2)} of the medians, ${pairedRatio(kvixiByRound, githubByRound).toFixed(2)} round by round`);
    console.log(`  Node's fetch instead of node:http: +${(kvixiFetchHTTP - kvixiHTTP).toFixed(0)} µs per login (two requests)`);
  } finally {
    provider.kill();
  }
}
