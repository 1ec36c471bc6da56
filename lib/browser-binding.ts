import * as crypto from 'node:crypto';
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';
import { cookieNameFor, cookieValue, isHttps, setCookie, type CookieRequest } from './cookies.js';
import type { KvixiPendingLoginContext, KvixiRequest } from './pending-login.js';

/**
 * A random value in a cookie of the strategy's own, that every pending login a session keeps is
 * bound to. A sibling subdomain can plant the app's session cookie in the browser (cookie
 * tossing), with its own pending login inside; it cannot plant this cookie over https, where its
 * name starts with `__Host-`: `Secure`, `Path=/`, no `Domain`. Over plain http (localhost) the same
 * cookie without the prefix. One value per browser while the cookie lives, so several tabs work.
 */

const OWNER = 'KvixiSessionStore';
const BASE_NAME = 'kvixi_browser';
/** 32 random bytes, base64url. */
const VALUE = /^[A-Za-z0-9_-]{43}$/;
/** The cookie outlives the login a little, so a late callback is told it expired, not that nothing arrived. */
const EXTRA_LIFE_S = 300;

/**
 * A request that came over no connection at all (a test harness calling `authenticate` directly)
 * has no browser to bind; nothing from the network can look like it.
 */
function overNetwork(req: KvixiRequest): boolean {
  const { socket, raw } = req as { socket?: unknown; raw?: { socket?: unknown } };
  return (socket !== null && typeof socket === 'object') || (raw?.socket !== null && typeof raw?.socket === 'object');
}

/** `crypto.hash` (Node 20.12+) hashes in one call, without a Hash object per request. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

function digest(value: string): string {
  return oneShotHash ? oneShotHash('sha256', value, 'base64url') : createHash('sha256').update(value).digest('base64url');
}

/**
 * Random bytes for new cookie values, drawn from the CSPRNG 64 values at a time (as `randomUUID`
 * pools its entropy): one call into OpenSSL per start cost more than the rest of the binding.
 * Each value's bytes are zeroed once taken.
 */
const POOL = Buffer.alloc(32 * 64);
let poolOffset = POOL.length;

function newValue(): string {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const value = POOL.toString('base64url', poolOffset, poolOffset + 32);
  POOL.fill(0, poolOffset, poolOffset + 32);
  poolOffset += 32;
  return value;
}

/** The value of the binding cookie `name`, when one arrived and is well formed. Over https the name is the `__Host-` one, so only that cookie counts. */
function valueOf(req: CookieRequest, name: string): string | undefined {
  const value = cookieValue(req.headers.cookie, name);
  return value !== undefined && VALUE.test(value) ? value : undefined;
}

/**
 * Binds the browser at the start of a login: reuses its cookie's value or makes a new one, sets
 * the cookie again for another `ttlMs`, and returns what the pending login keeps (a hash of the
 * value). `undefined` for a request over no connection.
 */
export function bindBrowser(req: KvixiRequest, context: KvixiPendingLoginContext): string | undefined {
  if (!overNetwork(req)) return undefined;
  const cookieReq = req as CookieRequest;
  const https = isHttps(cookieReq);
  const name = cookieNameFor(BASE_NAME, https, context);
  const value = valueOf(cookieReq, name) ?? newValue();
  const maxAge = Math.ceil(context.ttlMs / 1000) + EXTRA_LIFE_S;
  setCookie(cookieReq, OWNER, name, `${name}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`);
  return digest(value);
}

/**
 * What a callback may use: `{ arrived: false }` when the binding cookie did not come with it;
 * else `matches(binding)` tells whether a pending login's binding is this browser's. A request
 * over no connection matches the unbound logins it made; a request over the network never
 * matches an unbound login (one kept before bindings existed).
 */
export function browserBinding(
  req: KvixiRequest,
  context: KvixiPendingLoginContext,
): { arrived: boolean; matches(binding: string | undefined): boolean } {
  if (!overNetwork(req)) return { arrived: true, matches: (binding) => binding === undefined };
  const cookieReq = req as CookieRequest;
  const value = valueOf(cookieReq, cookieNameFor(BASE_NAME, isHttps(cookieReq), context));
  if (value === undefined) return { arrived: false, matches: () => false };
  const mine = Buffer.from(digest(value));
  return {
    arrived: true,
    matches: (binding) => {
      if (typeof binding !== 'string') return false;
      const theirs = Buffer.from(binding);
      return theirs.length === mine.length && timingSafeEqual(theirs, mine);
    },
  };
}
