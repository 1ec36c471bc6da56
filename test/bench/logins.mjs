// Full logins per second (start → provider redirect → callback → session) through Express +
// express-session + passport on loopback, for KvixiStrategy and for a naive strategy that follows
// the docs' recipe with no checks. After a warm-up, rounds rotate so every run sees the same machine.
//
// The naive recipe sends the secret in a GET query string, which only Sngine up to 4.0.3 reads, so
// the two are compared against such a server: there both make the same HTTP calls and the
// difference is the cost of the checks. KvixiStrategy is also measured against a 4.0.4+ server,
// which reads only a POST body (the naive recipe cannot log in there at all).
//
// Two references keep a login state in the session as any session-based login-CSRF defence must:
// the naive recipe with one marker saved in the session at the start, and passport-github2
// (passport-oauth2, `state: true`) against the same provider on GitHub's paths. Each row also
// gives the process's CPU time per login, which other load on the machine disturbs less.
//
// Also prints the runtime dependency count, the installed size of the runtime closure and the
// cold require time of the build.
//
//   npm run bench                    (builds first)
//   BENCH_SECONDS=2 BENCH_ROUNDS=6 BENCH_CONCURRENCY=8 node test/bench/logins.mjs
//   BENCH_ONLY=KvixiStrategy node --cpu-prof test/bench/logins.mjs   (one run alone, to profile)

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as PassportStrategy } from 'passport-strategy';
import { Strategy as GitHubStrategy } from 'passport-github2';
import { KvixiCookieStore, KvixiStrategy } from 'passport-kvixi';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6); // a multiple of 6 (the runs): each run takes each place equally
// One run alone (its name, as in `runs` below), e.g. under `node --cpu-prof`: nothing else runs in the process.
const ONLY = process.env.BENCH_ONLY;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const APP_ID = '1732698123456';
const APP_SECRET = randomBytes(16).toString('hex');
const root = new URL('../..', import.meta.url).pathname;

/**
 * A provider that approves at once: /api/oauth redirects straight to the callback with a fresh key.
 * `reads` is where /api/authorize takes its parameters from: 'GET' (Sngine ≤4.0.3) or 'POST' (≥4.0.4).
 */
async function startProvider(reads) {
  const userInfo = JSON.stringify({
    user_info: {
      user_id: '5', user_name: 'jane', user_email: 'jane@example.com', user_firstname: 'Jane',
      user_lastname: 'O&#039;Brien', user_gender: 'Female', user_birthdate: '1990-05-17',
      user_picture: 'photos\\/a.jpg', user_cover: null, user_registered: '2023-01-01 10:00:00',
      user_verified: '1', user_relationship: null, user_biography: null, user_website: null,
    },
  });
  const githubUser = JSON.stringify({
    login: 'jane', id: 5, node_id: 'MDQ6VXNlcjU=', avatar_url: 'http://127.0.0.1/a.jpg', html_url: 'http://127.0.0.1/jane',
    name: "Jane O'Brien", email: 'jane@example.com', created_at: '2023-01-01T10:00:00Z',
  });
  const keys = new Set();
  const tokens = new Set();
  let callbackURL = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://provider');
    if (url.pathname === '/login/oauth/authorize') {
      // GitHub's paths, for passport-github2 (passport-oauth2): the key is the `code`, `state` echoed.
      const key = randomBytes(16).toString('hex');
      keys.add(key);
      const state = encodeURIComponent(url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: `${callbackURL}?code=${key}&state=${state}` }).end();
      return;
    }
    if (url.pathname === '/api/oauth') {
      const key = randomBytes(16).toString('hex');
      keys.add(key);
      res.writeHead(302, { location: `${callbackURL}?auth_key=${key}` }).end();
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const params = reads === 'POST' ? new URLSearchParams(body) : url.searchParams;
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/login/oauth/access_token') {
        const form = new URLSearchParams(body);
        if (form.get('client_secret') === APP_SECRET && keys.delete(form.get('code'))) {
          const token = randomBytes(16).toString('hex');
          tokens.add(token);
          res.end(JSON.stringify({ access_token: token, token_type: 'bearer', scope: '' }));
        } else res.end(JSON.stringify({ error: 'bad_verification_code' }));
      } else if (url.pathname === '/user') {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (tokens.delete(token)) res.end(githubUser);
        else res.writeHead(401).end(JSON.stringify({ message: 'Bad credentials' }));
      } else if (url.pathname === '/api/authorize') {
        if (!params.get('app_id')) res.end(JSON.stringify({ error: true, message: 'Bad Request, invalid app_id' }));
        else if (params.get('app_secret') === APP_SECRET && keys.delete(params.get('auth_key'))) {
          const token = randomBytes(16).toString('hex');
          tokens.add(token);
          res.end(JSON.stringify({ access_token: token }));
        } else res.end(JSON.stringify({ error: true, message: 'Bad Request, invalid auth_key' }));
      } else if (tokens.delete(url.searchParams.get('access_token'))) {
        res.end(userInfo);
      } else {
        res.end(JSON.stringify({ error: true, message: 'Bad Request, invalid access_token' }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, server, setCallback: (value) => (callbackURL = value) };
}

/**
 * The docs' recipe: GET with the secret in the query, no pending login, no validation. With
 * `marker: true` it also keeps one small random marker in the session from the start (saved
 * before the redirect, as KvixiSessionStore saves) and takes it out at the callback: the least a
 * session-based login-CSRF defence writes, as passport-oauth2's `state: true` does.
 */
class NaiveStrategy extends PassportStrategy {
  constructor(baseURL, verify, { marker = false } = {}) {
    super();
    this.name = marker ? 'naive-marker' : 'naive';
    this.baseURL = baseURL;
    this.verify = verify;
    this.marker = marker;
  }

  authenticate(req) {
    const authKey = req.query.auth_key;
    if (!authKey) {
      const redirect = () => this.redirect(`${this.baseURL}/api/oauth?app_id=${APP_ID}`);
      if (!this.marker) return redirect();
      req.session.loginMarker = randomBytes(24).toString('base64url');
      return req.session.save((err) => (err ? this.error(err) : redirect()));
    }
    if (this.marker) {
      if (!req.session.loginMarker) return this.fail(403);
      delete req.session.loginMarker;
    }
    const query = `app_id=${APP_ID}&app_secret=${APP_SECRET}&auth_key=${authKey}`;
    fetch(`${this.baseURL}/api/authorize?${query}`)
      .then((res) => res.json())
      .then(({ access_token }) => fetch(`${this.baseURL}/api/get_user_info?access_token=${access_token}`))
      .then((res) => res.json())
      .then(({ user_info }) =>
        this.verify(user_info, (err, user) => (err ? this.error(err) : user ? this.success(user) : this.fail(401))))
      .catch((err) => this.error(err));
  }
}

/** An Express app around the strategy: with express-session, or with none at all (`session: false`). */
async function startApp(strategy, { sessions = true } = {}) {
  const passport = new Passport();
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id, done) => done(null, { id }));
  const app = express();
  if (sessions) {
    app.use(session({ secret: 'bench', resave: false, saveUninitialized: false }));
    app.use(passport.session());
  }
  app.get('/auth', passport.authenticate(strategy.name, { session: sessions }));
  app.get('/auth/callback', passport.authenticate(strategy.name, { failureRedirect: '/failed', session: sessions }), (req, res) =>
    // Without sessions the app would issue its own token here; the bench only checks the user.
    res.redirect(sessions || req.user?.id === '5' ? '/' : '/failed'),
  );
  app.get('/me', (req, res) => res.json({ user: req.user ?? null }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, server };
}

function cookieOf(res) {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** One whole login as a browser makes it; returns the session cookie of the signed-in user. */
async function login(appURL) {
  const start = await fetch(`${appURL}/auth`, { redirect: 'manual' });
  const cookie = cookieOf(start);
  const approve = await fetch(start.headers.get('location'), { redirect: 'manual' });
  const callback = await fetch(approve.headers.get('location'), { redirect: 'manual', headers: { cookie } });
  await callback.arrayBuffer();
  if (callback.headers.get('location') !== '/') throw new Error(`login failed: ${callback.status} ${callback.headers.get('location')}`);
  return cookieOf(callback);
}

/** Logins in SECONDS, and the process's CPU time meanwhile (browser, provider and app all run here). */
async function round(appURL) {
  let count = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await login(appURL);
        count++;
      }
    }),
  );
  const { user, system } = process.cpuUsage(cpu);
  return { count, seconds: (performance.now() - started) / 1000, cpuMicros: user + system };
}

function dirSize(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? dirSize(path) : statSync(path).size;
  }
  return bytes;
}

/** The packages `npm install passport-kvixi` would bring, and their size on disk. */
function runtimeClosure() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))[0];
  const seen = new Map();
  const visit = (name, from) => {
    if (seen.has(name)) return;
    const require = createRequire(join(from, 'noop.js'));
    const manifest = require.resolve(`${name}/package.json`);
    const dir = manifest.slice(0, -'/package.json'.length);
    seen.set(name, dirSize(dir));
    const deps = JSON.parse(readFileSync(manifest, 'utf8')).dependencies ?? {};
    for (const dep of Object.keys(deps)) visit(dep, dir);
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, root);
  const bytes = packed.unpackedSize + [...seen.values()].reduce((a, b) => a + b, 0);
  return { packages: 1 + seen.size, names: [...seen.keys()], bytes, own: packed.unpackedSize };
}

function coldRequireMs() {
  const samples = [];
  for (let i = 0; i < 15; i++) {
    const out = execFileSync(
      process.execPath,
      ['-e', "const t=process.hrtime.bigint();require('passport-kvixi');console.log(Number(process.hrtime.bigint()-t)/1e6)"],
      { cwd: root, encoding: 'utf8' },
    );
    samples.push(Number(out));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const legacy = await startProvider('GET');
const modern = await startProvider('POST');
const toUser = (id) => ({ id });
const kvixiFor = (provider, store) =>
  new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: provider.url, callbackURL: '/auth/callback', store },
    async (_tokens, profile) => toUser(profile.id));
const cookieStore = new KvixiCookieStore({ secret: randomBytes(32).toString('hex') });
// passport-oauth2's login-CSRF defence: a state in the session from the start, compared at the callback.
const github = new GitHubStrategy(
  {
    clientID: APP_ID, clientSecret: APP_SECRET, callbackURL: '/auth/callback', state: true,
    authorizationURL: `${legacy.url}/login/oauth/authorize`, tokenURL: `${legacy.url}/login/oauth/access_token`,
    userProfileURL: `${legacy.url}/user`,
  },
  (_accessToken, _refreshToken, profile, done) => done(null, toUser(profile.id)),
);
const naiveVerify = (info, done) => done(null, toUser(info.user_id));
const allRuns = {
  KvixiStrategy: { app: () => startApp(kvixiFor(legacy)), provider: legacy },
  'KvixiStrategy, cookie store': { app: () => startApp(kvixiFor(legacy, cookieStore), { sessions: false }), provider: legacy, sessions: false },
  naive: { app: () => startApp(new NaiveStrategy(legacy.url, naiveVerify)), provider: legacy },
  'naive, session marker': { app: () => startApp(new NaiveStrategy(legacy.url, naiveVerify, { marker: true })), provider: legacy },
  'passport-github2': { app: () => startApp(github), provider: legacy },
  'KvixiStrategy, 4.0.4+': { app: () => startApp(kvixiFor(modern)), provider: modern },
};
if (ONLY !== undefined && !(ONLY in allRuns)) throw new Error(`BENCH_ONLY must be one of: ${Object.keys(allRuns).join(', ')}`);
const runs = {};
for (const [name, run] of Object.entries(allRuns)) {
  if (ONLY === undefined || ONLY === name) runs[name] = { ...run, app: await run.app() };
}
const naiveOnModern = {
  app: await startApp(new NaiveStrategy(modern.url, (info, done) => done(null, info ? toUser(info.user_id) : false))),
  provider: modern,
};

/** Points the provider at the app being measured and proves one login reaches the session (or req.user, without one). */
async function check({ app, provider, sessions = true }) {
  provider.setCallback(`${app.url}/auth/callback`);
  const cookie = await login(app.url);
  if (!sessions) return true; // login() throws unless the callback saw Jane as req.user
  const me = await (await fetch(`${app.url}/me`, { headers: { cookie } })).json();
  return me.user?.id === '5';
}
for (const [name, run] of Object.entries(runs)) {
  if (!(await check(run))) throw new Error(`${name}: the login did not reach the session`);
}
const naiveWorksOnModern = await check(naiveOnModern).catch(() => false);

// Warm every path up (JIT, pools, caches) so no strategy pays for it in the measured rounds.
for (const run of Object.values(runs)) {
  run.provider.setCallback(`${run.app.url}/auth/callback`);
  await round(run.app.url);
}

const totals = Object.fromEntries(Object.keys(runs).map((name) => [name, { count: 0, seconds: 0, cpuMicros: 0 }]));
for (let i = 0; i < ROUNDS; i++) {
  // Rotate, so each strategy takes each place in the round equally often.
  const names = Object.keys(runs);
  const order = names.map((_, k) => names[(k + i) % names.length]);
  for (const name of order) {
    runs[name].provider.setCallback(`${runs[name].app.url}/auth/callback`);
    const result = await round(runs[name].app.url);
    totals[name].count += result.count;
    totals[name].seconds += result.seconds;
    totals[name].cpuMicros += result.cpuMicros;
  }
}
for (const { app } of [...Object.values(runs), naiveOnModern]) app.server.close();
legacy.server.close();
modern.server.close();

const rate = (t) => t.count / t.seconds;
const line = (label, name) => {
  const total = totals[name];
  if (!total) return;
  const cpu = total.cpuMicros / total.count;
  console.log(`  ${label.padEnd(64)} ${rate(total).toFixed(0).padStart(6)}  ${cpu.toFixed(0).padStart(5)} µs CPU/login  (${total.count} logins)`);
};
const ratio = (label, name, over, note) => {
  if (!totals[name] || !totals[over]) return;
  console.log(`  ${label.padEnd(64)} ${(rate(totals[name]) / rate(totals[over])).toFixed(3).padStart(6)}  ${note}`);
};
console.log(`full logins/s, ${ROUNDS} rotating rounds of ${SECONDS}s, ${CONCURRENCY} concurrent browsers ` +
  '(CPU: the whole process, browser and provider included):');
line('Sngine <=4.0.3 (query string): KvixiStrategy', 'KvixiStrategy');
line('Sngine <=4.0.3 (query string): naive recipe', 'naive');
line('Sngine <=4.0.3: naive recipe + one marker saved in the session', 'naive, session marker');
line('same provider, GitHub paths: passport-github2, state: true', 'passport-github2');
line('Sngine <=4.0.3: KvixiStrategy, cookie store, no sessions', 'KvixiStrategy, cookie store');
ratio('ratio, the cost of the checks', 'KvixiStrategy', 'naive', '(target >= 0.95; the naive recipe calls the provider with fetch, KvixiStrategy over node:http)');
ratio('ratio, a session written at the start, to naive', 'naive, session marker', 'naive', "(what any session-kept login state costs)");
ratio('ratio, KvixiStrategy to naive + session marker', 'KvixiStrategy', 'naive, session marker', '(the checks beyond that write)');
ratio('ratio, KvixiStrategy to passport-github2 (state: true)', 'KvixiStrategy', 'passport-github2', '(both call the provider over node:http)');
line('Sngine >=4.0.4 (POST body): KvixiStrategy', 'KvixiStrategy, 4.0.4+');
console.log(`  Sngine >=4.0.4: naive recipe                 ${naiveWorksOnModern ? 'logs in' : 'cannot log in (the server ignores the query string)'}`);
ratio('ratio, POST body to query string', 'KvixiStrategy, 4.0.4+', 'KvixiStrategy', "(the cost of a request body)");
if (ONLY !== undefined) process.exit(0);
const closure = runtimeClosure();
console.log(`runtime closure: ${closure.packages} packages (passport-kvixi, ${closure.names.join(', ')}), ` +
  `${(closure.bytes / 1024).toFixed(0)} KiB installed (passport-kvixi itself ${(closure.own / 1024).toFixed(0)} KiB)`);
console.log(`cold require('passport-kvixi'): ${coldRequireMs().toFixed(1)} ms (median of 15)`);
console.log('reference, passport-oauth2: 6 packages, ~308 KiB, ~18 ms');
