// Memory and speed of the default claim store (KvixiMemoryClaimStore): the heap each recorded
// login takes while it lives (its id, as the strategy makes it, included), and claims per second.
//
//   npm run bench                    (builds first; runs this after logins.mjs)
//   node --expose-gc test/bench/claims.mjs

import { randomUUID } from 'node:crypto';
import { KvixiMemoryClaimStore } from 'passport-kvixi';

const COUNT = Number(process.env.BENCH_CLAIMS ?? 200_000);
const TTL_MS = 660_000; // pendingLoginTTL's default 600 s, and the 60 s of clock skew the strategy adds
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

let now = Date.now();
const store = new KvixiMemoryClaimStore({ now: () => now, maxClaims: COUNT });
await store.claim('warm-up', 1);
now += 2_000; // the warm-up claim's second is over: the first claim below sweeps it, whatever the clock's phase
const before = heapUsed();
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  if (i % 1000 === 0) now += 100; // logins spread over 20 s, so over 20 buckets
  // The strategy's id: its store key and the pending login's nonce, as a session or the cookie
  // gives it back (parsed JSON; randomUUID's own string is a rope several times that size).
  const nonce = JSON.parse(JSON.stringify(randomUUID()));
  await store.claim(`passport-kvixi:kvixi:${nonce}`, TTL_MS);
}
const seconds = (performance.now() - started) / 1000;
const perLogin = (heapUsed() - before) / COUNT;
if (store.size !== COUNT) throw new Error(`expected ${COUNT} claims, held ${store.size}`);

now += TTL_MS + 1000;
await store.claim('after-expiry', 1);
const left = (heapUsed() - before) / COUNT;

console.log(`claim store (KvixiMemoryClaimStore), ${COUNT} logins recorded:`);
console.log(`  heap per recorded login (id included), kept for pendingLoginTTL + 60 s   ~${perLogin.toFixed(0)} bytes` +
  ` (${((perLogin * 1_000_000) / 2 ** 20).toFixed(0)} MiB at the default maxClaims, 1,000,000)`);
console.log(`  heap per login once they expired and their buckets were dropped            ${left.toFixed(0)} bytes`);
console.log(`  claims/s                                                                   ${(COUNT / seconds).toFixed(0)}`);
