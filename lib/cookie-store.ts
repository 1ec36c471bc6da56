import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { cookieNameFor, cookieValue, isHttps, setCookie, type CookieRequest } from './cookies.js';
import {
  MAX_PENDING,
  pendingLoginsIn,
  takeNewestLive,
  withPendingLogin,
  type KvixiConsumeResult,
  type KvixiPendingLogin,
  type KvixiPendingLoginContext,
  type KvixiPendingLoginStore,
  type KvixiRequest,
} from './pending-login.js';
import { refuseMisspelledOptions } from './options.js';

/** Options of `new KvixiCookieStore(options)`. */
export interface KvixiCookieStoreOptions {
  /**
   * At least 32 characters; only keys are derived from it. A list rotates secrets: the first
   * seals, every one opens. `undefined` (an unset variable) throws a `TypeError` naming it.
   */
  secret: string | readonly string[] | undefined;
  /** Default `kvixi_pending`; `__Host-` is put in front when the cookie is `Secure`. */
  cookieName?: string | undefined;
  /** `true`: always `Secure`. Default: `Secure` when the request is https (`req.secure`, so behind a trusted proxy too). */
  secure?: boolean | undefined;
  /** `lax` (default) or `none` (then always `Secure`). `strict` would keep the cookie from Kvixi's redirect back. */
  sameSite?: 'lax' | 'none' | undefined;
}

interface SealingKey {
  id: string;
  key: Buffer;
}

const OWNER = 'KvixiCookieStore';
const MIN_SECRET_LENGTH = 32;
/** Browsers keep cookies of up to 4096 bytes, name and attributes included. */
const MAX_COOKIE_BYTES = 4000;
const SALT = 'passport-kvixi cookie store v1';

/**
 * Keeps pending logins in one cookie, sealed with AES-256-GCM: nobody can read it (your `state`
 * stays private) or forge it. For apps without server sessions: APIs and single-page apps that
 * use `passport.authenticate('kvixi', { session: false })` and issue their own token.
 *
 * The cookie is `HttpOnly`, `SameSite=Lax`, `Path=/`, lives no longer than `pendingLoginTTL`, and
 * when it is `Secure` its name starts with `__Host-`, so a sibling subdomain cannot plant one. It
 * needs no cookie-parser and keeps the app's other `Set-Cookie` headers. The strategy's
 * `claimStore` records every used pending login until it would have expired, so an old copy of
 * the cookie cannot be replayed; several instances share that record through a shared claim store.
 *
 * @example
 * ```ts
 * passport.use(new KvixiStrategy(
 *   { appId, appSecret, store: new KvixiCookieStore({ secret: process.env.KVIXI_COOKIE_SECRET }) },
 *   verify,
 * ));
 * app.get('/auth/kvixi', passport.authenticate('kvixi', { session: false }));
 * ```
 */
export class KvixiCookieStore implements KvixiPendingLoginStore {
  readonly cookieName: string;
  readonly #keys: SealingKey[];
  readonly #secure: boolean | undefined;
  readonly #sameSite: 'Lax' | 'None';

  constructor(options: KvixiCookieStoreOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError(`${OWNER} requires an options object with a secret`);
    refuseMisspelledOptions(OWNER, options, ['secret', 'cookieName', 'secure', 'sameSite']);
    const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
    if (!Array.isArray(secrets) || secrets.length === 0) {
      throw new TypeError(`${OWNER} requires a secret option (a string of at least ${MIN_SECRET_LENGTH} characters, or a list of them)`);
    }
    for (const secret of secrets as unknown[]) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
        throw new TypeError(`${OWNER} secret must be at least ${MIN_SECRET_LENGTH} characters long`);
      }
    }
    this.#keys = (secrets as string[]).map(deriveKey);
    const name = options.cookieName ?? 'kvixi_pending';
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name.startsWith('__')) {
      throw new TypeError(`${OWNER} cookieName must be 1 to 64 letters, digits, "_", "." or "-", not starting with "__"`);
    }
    this.cookieName = name;
    if (options.secure !== undefined && typeof options.secure !== 'boolean') throw new TypeError(`${OWNER} secure must be a boolean`);
    const sameSite = options.sameSite ?? 'lax';
    if (sameSite !== 'lax' && sameSite !== 'none') {
      throw new TypeError(`${OWNER} sameSite must be "lax" or "none": with "strict" the browser would not send the cookie back from Kvixi`);
    }
    this.#sameSite = sameSite === 'lax' ? 'Lax' : 'None';
    this.#secure = sameSite === 'none' ? true : options.secure;
  }

  async add(req: KvixiRequest, login: KvixiPendingLogin, context: KvixiPendingLoginContext): Promise<void> {
    const pending = withPendingLogin(this.#read(req, context).logins, login, context);
    this.#write(req, pending, context, pending);
  }

  async consume(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiConsumeResult> {
    const { arrived, logins: stored } = this.#read(req, context);
    const { result, rest } = takeNewestLive(stored, context);
    if (stored.length > 0) this.#write(req, rest, context, stored);
    if (result.status === 'none') return { status: 'none', reason: arrived ? 'not-started-here' : 'no-cookie' };
    return result;
  }

  async clear(req: KvixiRequest, context: KvixiPendingLoginContext): Promise<KvixiPendingLogin[]> {
    const { logins } = this.#read(req, context);
    this.#write(req, [], context, logins);
    return logins;
  }

  #isSecure(req: CookieRequest): boolean {
    return this.#secure ?? isHttps(req);
  }

  /**
   * One cookie per strategy name: `kvixi_pending` for the default strategy, a suffix for others,
   * so two strategies (two Sngine sites) never use each other's pending logins.
   */
  #nameFor(secure: boolean, context: KvixiPendingLoginContext): string {
    return cookieNameFor(this.cookieName, secure, context);
  }

  /**
   * The pending logins in the request's cookie, and whether the cookie arrived at all; a missing,
   * tampered or foreign cookie holds none.
   */
  #read(req: CookieRequest, context: KvixiPendingLoginContext): { arrived: boolean; logins: KvixiPendingLogin[] } {
    // Over https only the __Host- cookie counts: a plain one may have been set by a sibling subdomain.
    const name = this.#nameFor(this.#isSecure(req), context);
    const value = cookieValue(req.headers.cookie, name);
    if (value === undefined) return { arrived: false, logins: [] };
    const opened = this.#open(value, `${name}|${context.key}`);
    if (opened === undefined) return { arrived: true, logins: [] };
    return { arrived: true, logins: pendingLoginsIn((opened as { logins?: unknown }).logins) };
  }

  /**
   * Writes `pending`. The cookie lives as long as the newest of `lifeOf` (the logins it held) would:
   * emptied by a callback, it still tells a replay of that callback that its cookie arrived.
   */
  #write(req: CookieRequest, pending: KvixiPendingLogin[], context: KvixiPendingLoginContext, lifeOf: KvixiPendingLogin[]): void {
    const secure = this.#isSecure(req);
    const name = this.#nameFor(secure, context);
    const attributes = `Path=/; HttpOnly; SameSite=${this.#sameSite}${secure ? '; Secure' : ''}`;
    const newest = Math.max(...pending.map((entry) => entry.createdAt), ...lifeOf.map((entry) => entry.createdAt));
    if (!Number.isFinite(newest) || newest + context.ttlMs <= context.now) {
      setCookie(req, OWNER, name, `${name}=; Max-Age=0; ${attributes}`);
      return;
    }
    // As long as the newest login lives; the strategy checks each login's own expiry.
    const maxAge = Math.max(1, Math.ceil((newest + context.ttlMs - context.now) / 1000));
    let kept = pending.slice(-MAX_PENDING);
    for (;;) {
      const cookie = `${name}=${this.#seal({ logins: kept }, `${name}|${context.key}`)}; Max-Age=${maxAge}; ${attributes}`;
      // The oldest logins go first when a large state would make the cookie too big to keep.
      if (Buffer.byteLength(cookie) <= MAX_COOKIE_BYTES || kept.length <= 1) {
        setCookie(req, OWNER, name, cookie);
        return;
      }
      kept = kept.slice(1);
    }
  }

  /** `keyId.iv.ciphertext.tag`, base64url; the cookie's name and the strategy's key are authenticated with it. */
  #seal(data: unknown, name: string): string {
    const { id, key } = this.#keys[0] as SealingKey;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(name));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final()]);
    return [id, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  #open(value: string, name: string): unknown {
    const parts = value.split('.');
    if (parts.length !== 4) return undefined;
    const [id, iv, sealed, tag] = parts as [string, string, string, string];
    const found = this.#keys.find((candidate) => candidate.id === id);
    if (!found) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', found.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(name));
      const tagBytes = Buffer.from(tag, 'base64url');
      if (tagBytes.length !== 16) return undefined;
      decipher.setAuthTag(tagBytes);
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
      const data: unknown = JSON.parse(plain.toString('utf8'));
      return data !== null && typeof data === 'object' ? data : undefined;
    } catch {
      return undefined;
    }
  }
}

function deriveKey(secret: string): SealingKey {
  const key = Buffer.from(hkdfSync('sha256', secret, SALT, 'aes-256-gcm key', 32));
  const id = Buffer.from(hkdfSync('sha256', secret, SALT, 'key id', 6)).toString('base64url');
  return { id, key };
}
