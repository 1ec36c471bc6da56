// What one pending login costs where it waits for its callback: with the session store, the
// heap of a session holding it and the bytes a session store writes for it (its JSON); with the
// cookie store, the bytes of the sealed cookie and of its Set-Cookie header. Each start runs
// through the strategy as Passport drives it. Figures only, nothing asserted.
//
//   npm run bench                    (builds first)
//   node --expose-gc test/bench/pending.mjs

import { randomBytes } from 'node:crypto';
import { KvixiCookieStore, KvixiStrategy } from 'passport-kvixi';

const COUNT = Number(process.env.BENCH_PENDING ?? 20_000);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const verify = (_tokens, profile, done) => done(null, { id: profile.id });
const strategyWith = (store) =>
  new KvixiStrategy({ appId: '1732698123456', appSecret: randomBytes(16).toString('hex'), callbackURL: '/auth/kvixi/callback', store }, verify);

/** A start as a browser's navigation brings it, with a plain-object session and a response that keeps its headers. */
function start(strategy, session) {
  const headers = new Map();
  const req = {
    method: 'GET',
    url: '/auth/kvixi',
    originalUrl: '/auth/kvixi',
    headers: { host: 'app.example', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    session,
    socket: { encrypted: false },
    res: { headersSent: false, getHeader: (name) => headers.get(name.toLowerCase()), setHeader: (name, value) => headers.set(name.toLowerCase(), value) },
  };
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy);
    attempt.redirect = () => resolve([headers.get('set-cookie')].flat());
    attempt.fail = (challenge) => reject(new Error(`the start failed: ${JSON.stringify(challenge)}`));
    attempt.error = reject;
    attempt.authenticate(req, {});
  });
}

const average = (values) => values.reduce((a, b) => a + b, 0) / values.length;

// Session store: sessions kept alive, as a session store keeps them until the callback.
const sessionStrategy = strategyWith(undefined);
await start(sessionStrategy, {}); // warm-up
const sessions = [];
const before = heapUsed();
for (let i = 0; i < COUNT; i++) {
  const session = {};
  await start(sessionStrategy, session);
  sessions.push(session);
}
const heapPerSession = (heapUsed() - before) / COUNT;
const emptySessions = Array.from({ length: COUNT }, () => ({}));
const emptyHeap = (heapUsed() - before) / COUNT - heapPerSession; // the empty sessions alone
const jsonBytes = average(sessions.slice(0, 1000).map((session) => Buffer.byteLength(JSON.stringify(session)) - 2));
const bindingCookie = (await start(sessionStrategy, {})).find((line) => line.startsWith('kvixi_browser='));

// Cookie store: nothing kept on the server; the browser carries the sealed cookie.
const cookieStrategy = strategyWith(new KvixiCookieStore({ secret: randomBytes(32).toString('hex') }));
const lines = [];
for (let i = 0; i < 1000; i++) lines.push((await start(cookieStrategy, undefined)).find((line) => line.startsWith('kvixi_pending=')));
const valueBytes = average(lines.map((line) => line.slice(line.indexOf('=') + 1, line.indexOf(';')).length));

console.log(`memory per pending login, ${COUNT} starts:`);
console.log(`  session store: heap of a session holding one pending login               ~${heapPerSession.toFixed(0)} bytes` +
  ` (an empty session object: ~${emptyHeap.toFixed(0)})`);
console.log(`  session store: bytes its JSON adds to the session a session store writes  ${jsonBytes.toFixed(0)} bytes`);
console.log(`  session store: the browser-binding Set-Cookie header                      ${bindingCookie.length} bytes`);
console.log(`  cookie store: nothing on the server; the sealed cookie's value             ${valueBytes.toFixed(0)} bytes` +
  ` (Set-Cookie header ${lines[0].length} bytes)`);
if (emptySessions.length !== COUNT || sessions.length !== COUNT) throw new Error('sessions were dropped');
