// Full logins (start → provider redirect → callback → session) through Express + express-session +
// passport on loopback, for KvixiStrategy and for a naive strategy that follows the docs' recipe
// with no checks. Each app runs in a process of its own; the browsers (8 at once, Node's fetch)
// and the provider run in this one. What an app can serve is its own CPU per login: the row's
// capacity is one core's worth of it (logins/s = 1 s of CPU / CPU per login), which the browsers'
// and provider's load does not disturb; the logins per second measured end to end are printed too.
// After a warm-up, rounds rotate so every app sees the same machine.
//
// The naive recipe sends the secret in a GET query string, which only Sngine up to 4.0.3 reads, so
// the two are compared against such a server. KvixiStrategy is also measured against a 4.0.4+
// server, which reads only a POST body (the naive recipe cannot log in there at all).
//
// Two references keep a login state in the session as any session-based login-CSRF defence must:
// the naive recipe with one marker saved in the session at the start, and passport-github2
// (passport-oauth2, `state: true`) against the same provider on GitHub's paths.
//
// Also prints the runtime dependency count, the installed size of the runtime closure and the
// cold require time of the build.
//
//   npm run bench                    (builds first)
//   BENCH_SECONDS=2 BENCH_ROUNDS=6 BENCH_CONCURRENCY=8 node test/bench/logins.mjs
//   BENCH_ONLY='KvixiStrategy|passport-github2' node test/bench/logins.mjs     (some apps alone)

import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, get as httpGet } from 'node:http';
import { createRequire } from 'node:module';
import { execArgv } from 'node:process';
import { join } from 'node:path';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { Strategy as PassportStrategy } from 'passport-strategy';
import { Strategy as GitHubStrategy } from 'passport-github2';
import { KvixiCookieStore, KvixiStrategy } from 'passport-kvixi';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6); // a multiple of 6 (the runs): each run takes each place equally
// Some apps alone (their names, as in `apps` below, separated by |).
const ONLY = process.env.BENCH_ONLY?.split('|');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const APP_ID = '1732698123456';
// The app processes are told the secret (and the providers' addresses) by this one.
const APP_SECRET = process.env.BENCH_APP_SECRET ?? randomBytes(16).toString('hex');
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

/** A GET over node:http, its body parsed as JSON: the naive recipe on KvixiStrategy's transport. */
function getJSON(url) {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

const fetchJSON = (url) => fetch(url).then((res) => res.json());

/**
 * The docs' recipe: GET with the secret in the query, no pending login, no validation, calling
 * the provider with `fetch` as written, or over node:http (`http: true`) as KvixiStrategy does.
 * With `marker: true` it also keeps one small random marker in the session from the start (saved
 * before the redirect, as KvixiSessionStore saves) and takes it out at the callback: the least a
 * session-based login-CSRF defence writes, as passport-oauth2's `state: true` does.
 */
class NaiveStrategy extends PassportStrategy {
  constructor(baseURL, verify, { marker = false, http = false } = {}) {
    super();
    this.name = marker ? 'naive-marker' : 'naive';
    this.baseURL = baseURL;
    this.verify = verify;
    this.marker = marker;
    this.get = http ? getJSON : fetchJSON;
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
    this.get(`${this.baseURL}/api/authorize?${query}`)
      .then(({ access_token }) => this.get(`${this.baseURL}/api/get_user_info?access_token=${access_token}`))
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
  return { url: `http://127.0.0.1:${server.address().port}`, server, sessions };
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

/** Logins in SECONDS against the app at `appURL`. */
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

/** Every app measured, by name: built in its own process from the providers' addresses. */
const apps = {
  KvixiStrategy: ({ legacy }) => startApp(kvixiFor(legacy)),
  'KvixiStrategy, cookie store': ({ legacy }) =>
    startApp(kvixiFor(legacy, new KvixiCookieStore({ secret: randomBytes(32).toString('hex') })), { sessions: false }),
  naive: ({ legacy }) => startApp(new NaiveStrategy(legacy, naiveVerify)),
  'naive, node:http': ({ legacy }) => startApp(new NaiveStrategy(legacy, naiveVerify, { http: true })),
  'naive, node:http, session marker': ({ legacy }) => startApp(new NaiveStrategy(legacy, naiveVerify, { http: true, marker: true })),
  'passport-github2': ({ legacy }) => startApp(githubFor(legacy)),
  'KvixiStrategy, 4.0.4+': ({ modern }) => startApp(kvixiFor(modern)),
  'naive, 4.0.4+': ({ modern }) => startApp(new NaiveStrategy(modern, (info, done) => done(null, info ? toUser(info.user_id) : false))),
};
const toUser = (id) => ({ id });
const naiveVerify = (info, done) => done(null, toUser(info.user_id));
const kvixiFor = (providerURL, store) =>
  new KvixiStrategy({ appId: APP_ID, appSecret: APP_SECRET, baseURL: providerURL, callbackURL: '/auth/callback', store },
    async (_tokens, profile) => toUser(profile.id));
// passport-oauth2's login-CSRF defence: a state in the session from the start, compared at the callback.
const githubFor = (providerURL) =>
  new GitHubStrategy(
    {
      clientID: APP_ID, clientSecret: APP_SECRET, callbackURL: '/auth/callback', state: true,
      authorizationURL: `${providerURL}/login/oauth/authorize`, tokenURL: `${providerURL}/login/oauth/access_token`,
      userProfileURL: `${providerURL}/user`,
    },
    (_accessToken, _refreshToken, profile, done) => done(null, toUser(profile.id)),
  );

if (process.env.BENCH_APP) {
  // An app process: serves its app, and reports the CPU it used between the parent's 'begin' and 'end'.
  const { name, providers } = JSON.parse(process.env.BENCH_APP);
  const app = await apps[name](providers);
  let since;
  process.on('message', (message) => {
    if (message === 'begin') since = process.cpuUsage();
    else if (message === 'end') {
      const { user, system } = process.cpuUsage(since);
      process.send({ cpuMicros: user + system });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ url: app.url, sessions: app.sessions });
} else {
  await main();
}

/** Starts an app process; resolves with its address and a way to read the CPU it uses meanwhile. */
async function startAppProcess(name, providers) {
  const child = fork(new URL(import.meta.url), {
    execArgv,
    env: { ...process.env, BENCH_APP: JSON.stringify({ name, providers }), BENCH_APP_SECRET: APP_SECRET },
  });
  const [{ url, sessions }] = await once(child, 'message');
  return {
    url,
    sessions,
    child,
    async cpuDuring(work) {
      child.send('begin');
      const result = await work();
      child.send('end');
      const [{ cpuMicros }] = await once(child, 'message');
      return { ...result, cpuMicros };
    },
  };
}

async function main() {
  const legacy = await startProvider('GET');
  const modern = await startProvider('POST');
  const providers = { legacy: legacy.url, modern: modern.url };
  const providerOf = (name) => (name.endsWith('4.0.4+') ? modern : legacy);
  const unknown = ONLY?.find((name) => !(name in apps));
  if (unknown !== undefined) throw new Error(`BENCH_ONLY: no app ${unknown}; the apps are ${Object.keys(apps).join(', ')}`);
  const names = Object.keys(apps).filter((name) => name !== 'naive, 4.0.4+' && (ONLY === undefined || ONLY.includes(name)));
  const running = {};
  for (const name of [...names, 'naive, 4.0.4+']) running[name] = await startAppProcess(name, providers);

  /** Points the provider at the app being measured and proves one login reaches the session (or req.user, without one). */
  const check = async (name) => {
    const { url, sessions } = running[name];
    providerOf(name).setCallback(`${url}/auth/callback`);
    const cookie = await login(url);
    if (!sessions) return true; // login() throws unless the callback saw Jane as req.user
    const me = await (await fetch(`${url}/me`, { headers: { cookie } })).json();
    return me.user?.id === '5';
  };
  for (const name of names) {
    if (!(await check(name))) throw new Error(`${name}: the login did not reach the session`);
  }
  const naiveWorksOnModern = await check('naive, 4.0.4+').catch(() => false);

  // Warm every app up (JIT, pools, caches) before the measured rounds.
  for (const name of names) {
    providerOf(name).setCallback(`${running[name].url}/auth/callback`);
    await round(running[name].url);
  }

  const totals = Object.fromEntries(names.map((name) => [name, { count: 0, seconds: 0, cpuMicros: 0 }]));
  for (let i = 0; i < ROUNDS; i++) {
    // Rotate, so each app takes each place in the round equally often.
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) {
      const app = running[name];
      providerOf(name).setCallback(`${app.url}/auth/callback`);
      const result = await app.cpuDuring(() => round(app.url));
      totals[name].count += result.count;
      totals[name].seconds += result.seconds;
      totals[name].cpuMicros += result.cpuMicros;
    }
  }
  // Disconnecting ends each app process (its exit handler runs: a --cpu-prof profile is written).
  for (const app of Object.values(running)) app.child.disconnect();
  legacy.server.close();
  modern.server.close();

  const cpuPerLogin = (name) => totals[name].cpuMicros / totals[name].count;
  /** What one core serves: a second of CPU over the app's CPU per login. */
  const capacity = (name) => 1e6 / cpuPerLogin(name);
  const line = (label, name) => {
    const total = totals[name];
    if (!total) return;
    console.log(
      `  ${label.padEnd(58)} ${capacity(name).toFixed(0).padStart(6)}/s per core  ${cpuPerLogin(name).toFixed(0).padStart(5)} µs  ` +
        `${(total.count / total.seconds).toFixed(0).padStart(5)}/s measured  (${total.count} logins)`,
    );
  };
  const ratio = (label, name, over, note) => {
    if (!totals[name] || !totals[over]) return;
    console.log(`  ${label.padEnd(58)} ${(capacity(name) / capacity(over)).toFixed(3).padStart(6)}  ${note}`);
  };
  console.log(`full logins, ${ROUNDS} rotating rounds of ${SECONDS}s, ${CONCURRENCY} concurrent browsers; each app in a process of its own:`);
  console.log(`  ${''.padEnd(58)} capacity          app CPU/login  end to end`);
  line('Sngine <=4.0.3 (query string): KvixiStrategy', 'KvixiStrategy');
  line('Sngine <=4.0.3 (query string): naive recipe (fetch)', 'naive');
  line('Sngine <=4.0.3: naive recipe over node:http', 'naive, node:http');
  line('Sngine <=4.0.3: naive over node:http + one session marker', 'naive, node:http, session marker');
  line('same provider, GitHub paths: passport-github2, state: true', 'passport-github2');
  line('Sngine <=4.0.3: KvixiStrategy, cookie store, no sessions', 'KvixiStrategy, cookie store');
  ratio('ratio of capacities, KvixiStrategy to the naive recipe', 'KvixiStrategy', 'naive', '(target >= 0.95; the recipe as written calls the provider with fetch)');
  ratio('ratio, KvixiStrategy to naive over node:http', 'KvixiStrategy', 'naive, node:http', '(the cost of the checks, the same transport)');
  ratio('ratio, a session written at the start, to naive over node:http', 'naive, node:http, session marker', 'naive, node:http', '(what any session-kept login state costs)');
  ratio('ratio, KvixiStrategy to naive over node:http + marker', 'KvixiStrategy', 'naive, node:http, session marker', '(the checks beyond that write)');
  ratio('ratio, KvixiStrategy to passport-github2 (state: true)', 'KvixiStrategy', 'passport-github2', '(both call the provider over node:http)');
  ratio('ratio, cookie store to naive over node:http', 'KvixiStrategy, cookie store', 'naive, node:http', '(no session at all)');
  line('Sngine >=4.0.4 (POST body): KvixiStrategy', 'KvixiStrategy, 4.0.4+');
  console.log(`  Sngine >=4.0.4: naive recipe                 ${naiveWorksOnModern ? 'logs in' : 'cannot log in (the server ignores the query string)'}`);
  ratio('ratio, POST body to query string', 'KvixiStrategy, 4.0.4+', 'KvixiStrategy', '(the cost of a request body)');
  if (ONLY !== undefined) return;
  const closure = runtimeClosure();
  console.log(`runtime closure: ${closure.packages} packages (passport-kvixi, ${closure.names.join(', ')}), ` +
    `${(closure.bytes / 1024).toFixed(0)} KiB installed (passport-kvixi itself ${(closure.own / 1024).toFixed(0)} KiB)`);
  console.log(`cold require('passport-kvixi'): ${coldRequireMs().toFixed(1)} ms (median of 15)`);
  console.log('reference, passport-oauth2: 6 packages, ~308 KiB, ~18 ms');
}
