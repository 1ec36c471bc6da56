// Full logins per second (start → provider redirect → callback → session) through Express +
// express-session + passport on loopback, for KvixiStrategy and for a naive strategy that follows
// the docs' recipe with no checks. After a warm-up, rounds rotate so every run sees the same machine.
//
// The naive recipe sends the secret in a GET query string, which only Sngine up to 4.0.3 reads, so
// the two are compared against such a server: there both make the same HTTP calls and the
// difference is the cost of the checks. KvixiStrategy is also measured against a 4.0.4+ server,
// which reads only a POST body (the naive recipe cannot log in there at all).
//
// Also prints the runtime dependency count, the installed size of the runtime closure and the
// cold require time of the build.
//
//   npm run bench                    (builds first)
//   BENCH_SECONDS=2 BENCH_ROUNDS=8 BENCH_CONCURRENCY=8 node test/bench/logins.mjs

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
import { KvixiCookieStore, KvixiStrategy } from 'passport-kvixi';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8); // a multiple of 4: each run takes each place equally
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
  const keys = new Set();
  const tokens = new Set();
  let callbackURL = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://provider');
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
      if (url.pathname === '/api/authorize') {
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

/** The docs' recipe: GET with the secret in the query, no pending login, no validation. */
class NaiveStrategy extends PassportStrategy {
  constructor(baseURL, verify) {
    super();
    this.name = 'naive';
    this.baseURL = baseURL;
    this.verify = verify;
  }

  authenticate(req) {
    const authKey = req.query.auth_key;
    if (!authKey) return this.redirect(`${this.baseURL}/api/oauth?app_id=${APP_ID}`);
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

async function round(appURL) {
  let count = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await login(appURL);
        count++;
      }
    }),
  );
  return { count, seconds: (performance.now() - started) / 1000 };
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
const runs = {
  KvixiStrategy: { app: await startApp(kvixiFor(legacy)), provider: legacy },
  'KvixiStrategy, cookie store': { app: await startApp(kvixiFor(legacy, cookieStore), { sessions: false }), provider: legacy, sessions: false },
  naive: { app: await startApp(new NaiveStrategy(legacy.url, (info, done) => done(null, toUser(info.user_id)))), provider: legacy },
  'KvixiStrategy, 4.0.4+': { app: await startApp(kvixiFor(modern)), provider: modern },
};
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

const totals = Object.fromEntries(Object.keys(runs).map((name) => [name, { count: 0, seconds: 0 }]));
for (let i = 0; i < ROUNDS; i++) {
  // Rotate, so each strategy takes each place in the round equally often.
  const names = Object.keys(runs);
  const order = names.map((_, k) => names[(k + i) % names.length]);
  for (const name of order) {
    runs[name].provider.setCallback(`${runs[name].app.url}/auth/callback`);
    const result = await round(runs[name].app.url);
    totals[name].count += result.count;
    totals[name].seconds += result.seconds;
  }
}
for (const { app } of [...Object.values(runs), naiveOnModern]) app.server.close();
legacy.server.close();
modern.server.close();

const rate = (t) => t.count / t.seconds;
const closure = runtimeClosure();
const line = (label, total) => console.log(`  ${label.padEnd(56)} ${rate(total).toFixed(0).padStart(6)}  (${total.count} logins)`);
console.log(`full logins/s, ${ROUNDS} rotating rounds of ${SECONDS}s, ${CONCURRENCY} concurrent browsers:`);
line('Sngine <=4.0.3 (query string): KvixiStrategy', totals.KvixiStrategy);
line('Sngine <=4.0.3 (query string): naive recipe', totals.naive);
line('Sngine <=4.0.3: KvixiStrategy, cookie store, no sessions', totals['KvixiStrategy, cookie store']);
console.log(`  ratio, the cost of the checks               ${(rate(totals.KvixiStrategy) / rate(totals.naive)).toFixed(3)}  (target >= 0.95)`);
line('Sngine >=4.0.4 (POST body): KvixiStrategy', totals['KvixiStrategy, 4.0.4+']);
console.log(`  Sngine >=4.0.4: naive recipe                 ${naiveWorksOnModern ? 'logs in' : 'cannot log in (the server ignores the query string)'}`);
console.log(`  ratio, POST body to query string            ${(rate(totals['KvixiStrategy, 4.0.4+']) / rate(totals.KvixiStrategy)).toFixed(3)}  (fetch's cost of a request body)`);
console.log(`runtime closure: ${closure.packages} packages (passport-kvixi, ${closure.names.join(', ')}), ` +
  `${(closure.bytes / 1024).toFixed(0)} KiB installed (passport-kvixi itself ${(closure.own / 1024).toFixed(0)} KiB)`);
console.log(`cold require('passport-kvixi'): ${coldRequireMs().toFixed(1)} ms (median of 15)`);
console.log('reference, passport-oauth2: 6 packages, ~308 KiB, ~18 ms');
