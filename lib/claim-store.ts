import { KvixiError } from './errors.js';

/**
 * The record of used pending logins: `claim(id, ttlMs)` resolves `true` exactly once per id while
 * the claim lives (at least `ttlMs`), and `false` to every later or concurrent claim of that id.
 * The strategy claims each pending login before its auth_key goes anywhere, so a replayed copy of
 * a session or cookie, or a callback racing another, fails. Instances that share one claim store
 * (e.g. `KvixiRedisClaimStore`) share that guarantee. A rejection is reported as an error, never a
 * login.
 *
 * @example
 * ```ts
 * const claims: KvixiClaimStore = {
 *   // A unique key on `id`: the insert that wins is the claim (expired rows are deleted elsewhere).
 *   claim: async (id, ttlMs) => (await db.insertIgnore('claims', { id, expiresAt: Date.now() + ttlMs })) === 1,
 * };
 * passport.use(new KvixiStrategy({ appId, appSecret, claimStore: claims }, verify));
 * ```
 */
export interface KvixiClaimStore {
  /** `true` the first time `id` is claimed within `ttlMs` milliseconds, `false` after that; atomic. */
  claim(id: string, ttlMs: number): Promise<boolean>;
}

/** Options of `new KvixiMemoryClaimStore(options)`. */
export interface KvixiMemoryClaimStoreOptions {
  /**
   * Most claims held at once, default 1,000,000. When that many live claims are held, `claim()`
   * rejects with `ERR_KVIXI_CLAIM_STORE_FULL` (so the login is an error) until some expire: a flood
   * of logins can fill the record, never empty it.
   */
  maxClaims?: number | undefined;
  /** The clock claims expire by, in milliseconds since the epoch; default `Date.now`. */
  now?: (() => number) | undefined;
}

const OWNER = 'KvixiMemoryClaimStore';

/**
 * `claim()` of a `KvixiMemoryClaimStore` without its promise, for the strategy: this class's own
 * claim settles at once, so it needs no timer. Not exported from the package.
 */
export let claimAtOnce: (store: KvixiMemoryClaimStore, id: string, ttlMs: number) => boolean;
/** Claims expire by the second: a bucket of them is dropped at once when its second has passed. */
const BUCKET_MS = 1000;

/**
 * The default claim store: used pending logins recorded in this process, each until it would
 * have expired. Claims are grouped by the second they expire in, and a group is dropped only when
 * that second has passed; no live claim is ever dropped to make room. Several instances need a
 * shared claim store instead (`KvixiRedisClaimStore`).
 *
 * @example
 * ```ts
 * const claimStore = new KvixiMemoryClaimStore({ maxClaims: 200_000 });
 * passport.use(new KvixiStrategy({ appId, appSecret, claimStore }, verify));
 * ```
 */
export class KvixiMemoryClaimStore implements KvixiClaimStore {
  // id → the second its claim ends, a small integer that V8 keeps unboxed.
  readonly #until = new Map<string, number>();
  // That second → the ids whose claims end in it.
  readonly #buckets = new Map<number, string[]>();
  readonly #maxClaims: number;
  readonly #now: () => number;
  #nextSweep = 0;

  constructor(options: KvixiMemoryClaimStoreOptions = {}) {
    const { maxClaims = 1_000_000, now } = options;
    if (typeof maxClaims !== 'number' || !Number.isInteger(maxClaims) || maxClaims < 1) {
      throw new TypeError(`${OWNER} maxClaims must be a positive integer`);
    }
    if (now !== undefined && typeof now !== 'function') throw new TypeError(`${OWNER} now must be a function`);
    this.#maxClaims = maxClaims;
    this.#now = now ?? (() => Date.now());
  }

  /** How many claims are held, expired ones not yet dropped included. */
  get size(): number {
    return this.#until.size;
  }

  static {
    claimAtOnce = (store, id, ttlMs) => store.#claim(id, ttlMs);
  }

  async claim(id: string, ttlMs: number): Promise<boolean> {
    return this.#claim(id, ttlMs);
  }

  #claim(id: string, ttlMs: number): boolean {
    if (typeof id !== 'string') throw new TypeError(`${OWNER} claim id must be a string`);
    if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new TypeError(`${OWNER} claim ttlMs must be a positive number of milliseconds`);
    }
    const now = this.#now();
    this.#sweep(now);
    const until = this.#until.get(id);
    if (until !== undefined && until * BUCKET_MS > now) return false;
    if (until === undefined && this.#until.size >= this.#maxClaims) {
      throw new KvixiError(
        'ERR_KVIXI_CLAIM_STORE_FULL',
        `${OWNER} holds ${this.#maxClaims} live claims (maxClaims): no login can be recorded until some expire`,
      );
    }
    const end = Math.ceil((now + ttlMs) / BUCKET_MS);
    this.#until.set(id, end);
    const bucket = this.#buckets.get(end);
    if (bucket) bucket.push(id);
    else this.#buckets.set(end, [id]);
    return true;
  }

  /** Drops every bucket whose second has passed; runs at most once a second, and again after the clock went back. */
  #sweep(now: number): void {
    if (now < this.#nextSweep && now >= this.#nextSweep - BUCKET_MS) return;
    this.#nextSweep = (Math.floor(now / BUCKET_MS) + 1) * BUCKET_MS;
    for (const [end, ids] of this.#buckets) {
      if (end * BUCKET_MS > now) continue;
      this.#buckets.delete(end);
      for (const id of ids) {
        // An id claimed again after it expired lives on in a later bucket.
        const until = this.#until.get(id);
        if (until !== undefined && until <= end) this.#until.delete(id);
      }
    }
  }
}

/**
 * The one node-redis call `KvixiRedisClaimStore` makes: `SET key value NX PX ttl`. A node-redis
 * client (`createClient()`) fits; the library never imports `redis` itself.
 */
export interface KvixiRedisClaimClient {
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number }; NX: true; PX: number },
  ): Promise<unknown>;
}

/** Options of `new KvixiRedisClaimStore(client, options)`. */
export interface KvixiRedisClaimStoreOptions {
  /** Put before every key, default `claimed:`; keys then read `claimed:passport-kvixi:kvixi:<nonce>`. */
  prefix?: string | undefined;
}

/**
 * Claims in Redis, shared by every instance on that Redis: `SET key 1 NX PX ttl`, which Redis
 * runs atomically, so of two instances claiming one login only one gets `true`. A Redis that is
 * down or answers an error makes `claim()` reject, which the strategy reports as an error.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 *
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true }).connect();
 * passport.use(new KvixiStrategy({ appId, appSecret, claimStore: new KvixiRedisClaimStore(redis) }, verify));
 * ```
 */
export class KvixiRedisClaimStore implements KvixiClaimStore {
  readonly #client: KvixiRedisClaimClient;
  readonly #prefix: string;

  constructor(client: KvixiRedisClaimClient, options: KvixiRedisClaimStoreOptions = {}) {
    if (client === null || typeof client !== 'object' || typeof client.set !== 'function') {
      throw new TypeError('KvixiRedisClaimStore requires a node-redis client (createClient())');
    }
    const { prefix = 'claimed:' } = options;
    if (typeof prefix !== 'string') throw new TypeError('KvixiRedisClaimStore prefix must be a string');
    this.#client = client;
    this.#prefix = prefix;
  }

  async claim(id: string, ttlMs: number): Promise<boolean> {
    const px = Math.max(1, Math.ceil(ttlMs));
    // Both spellings of NX and PX: node-redis 6 reads `condition` and `expiration` (the others are
    // deprecated there), node-redis 4 reads `NX` and `PX`; neither sends both.
    const reply = await this.#client.set(`${this.#prefix}${id}`, '1', {
      condition: 'NX',
      expiration: { type: 'PX', value: px },
      NX: true,
      PX: px,
    });
    if (reply === null) return false;
    if (String(reply) === 'OK') return true;
    throw new TypeError('KvixiRedisClaimStore: Redis answered SET … NX with neither OK nor null');
  }
}
