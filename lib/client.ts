import { debuglog } from 'node:util';
import {
  KvixiAPIError,
  KvixiFetchError,
  KvixiUnexpectedResponseError,
  KvixiUserNotFoundError,
  type KvixiEndpoint,
} from './errors.js';
import {
  optionalBaseURL,
  optionalFunction,
  optionalLang,
  optionalPositive,
  refuseMisspelledOptions,
  requireAppId,
  requireString,
} from './options.js';
import { nodeRequest, nodeSite, timeoutReason, type NodeSite, type ProviderReply, type ProviderRequest } from './node-transport.js';
import { excerpt, printable, redact, redactedStart, redactError, secretsIn } from './redact.js';

const debug = debuglog('passport-kvixi');

/** The user as `get_user_info` sends it: every value a string or `null`, free text entity-encoded. */
export interface KvixiUserInfo {
  user_id: string;
  user_name: string | null;
  user_email: string | null;
  user_firstname: string | null;
  user_lastname: string | null;
  /** `male`/`female`/`other` (Sngine 2.x), `1`/`2`/`3` (3.x) or the gender's name in the site language (4.x). */
  user_gender: string | null;
  user_birthdate: string | null;
  /** Relative to the site's uploads URL. */
  user_picture: string | null;
  user_cover: string | null;
  user_registered: string | null;
  /** The account's verified badge, not a verified e-mail address. */
  user_verified: string | null;
  user_relationship: string | null;
  user_biography: string | null;
  user_website: string | null;
  /** Absolute picture URL (Sngine 4.x), or a blank default avatar. */
  profile_picture?: string | null;
  /** Broken on every Sngine version: always the bare uploads URL. */
  profile_cover?: string | null;
  [field: string]: string | null | undefined;
}

/** What the token exchange yields. */
export interface KvixiTokens {
  /** One-time token for `get_user_info`. Real servers expire it after about 60 seconds. */
  accessToken: string;
  /** Issue time plus `accessTokenTTL`; the provider itself never says. */
  expiresAt: Date;
}

export interface KvixiClientOptions {
  /** The app's numeric `app_id`, as a string. `undefined` (an unset variable) throws a `TypeError` naming it. */
  appId: string | undefined;
  /** The app's `app_secret`. `undefined` (an unset variable) throws a `TypeError` naming it. */
  appSecret: string | undefined;
  /** The Sngine site, default `https://kvixi.com`. */
  baseURL?: string | undefined;
  /** Milliseconds allowed per provider request, default 10000. */
  timeout?: number | undefined;
  /**
   * A `fetch` to send the requests through (an undici dispatcher such as a proxy or `MockAgent`,
   * a test's stub). Without one they go over node:http(s) with the global agents.
   */
  fetch?: typeof fetch | undefined;
  /** Site language sent to the provider, e.g. `en_us` (turns 4.x genders into English). */
  lang?: string | undefined;
  /** Seconds used to compute `expiresAt`, default 3600 as the provider documents. */
  accessTokenTTL?: number | undefined;
}

/** The body of a `get_user_info` reply, parsed and as received. */
export interface KvixiUserInfoReply {
  userInfo: KvixiUserInfo;
  raw: string;
}

type ExchangeMethod = 'POST' | 'GET';

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const OWNER = 'KvixiClient';
/** Every option KvixiClient reads: a misspelling of one is refused (`baseUrl`). */
export const CLIENT_OPTIONS = ['appId', 'appSecret', 'baseURL', 'timeout', 'fetch', 'lang', 'accessTokenTTL'] as const;
const DEFAULT_BASE_URL = 'https://kvixi.com';
const MAX_BODY_BYTES = 1024 * 1024;
/** Kvixi's messages are one short line; a longer one is cut, so that redacting it stays cheap. */
const MAX_PROVIDER_MESSAGE = 1000;
const MAX_TIMEOUT = 2_147_483_647;
const INVALID_APP_ID = /invalid app_id/i;
const USER_INFO_FIELDS = [
  'user_id', 'user_name', 'user_email', 'user_firstname', 'user_lastname', 'user_gender', 'user_birthdate',
  'user_picture', 'user_cover', 'user_registered', 'user_verified', 'user_relationship', 'user_biography',
  'user_website',
] as const;

/**
 * The provider's HTTP API, usable without Passport.
 *
 * @example
 * ```ts
 * const client = new KvixiClient({ appId: '1732698123456', appSecret: process.env.KVIXI_APP_SECRET! });
 * const { accessToken } = await client.exchangeAuthKey(authKeyFromCallback);
 * const user = await client.getUserInfo(accessToken); // at once: the token lives about a minute
 * ```
 */
export class KvixiClient {
  readonly appId: string;
  readonly baseURL: string;
  readonly timeout: number;
  readonly lang: string | undefined;
  readonly accessTokenTTL: number;
  readonly #appSecret: string;
  /** The app's fetch; undefined for node:http(s). */
  readonly #fetch: typeof fetch | undefined;
  readonly #site: NodeSite;
  readonly #authorizationURL: string;
  /** `app_id=…&app_secret=…&auth_key=`, form-encoded once: the exchange adds only the key. */
  readonly #exchangeQuery: string;
  /** `&lang=…`, or nothing. */
  readonly #langQuery: string;
  /** Sngine ≤4.0.3 reads the query string only, ≥4.0.4 the form body only; remember which one answered. */
  #exchangeMethod: ExchangeMethod = 'POST';

  /**
   * @param options The app's credentials and the site.
   * @param owner The class named in option errors: a strategy that builds its client passes its own.
   */
  constructor(options: KvixiClientOptions, owner = OWNER) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${owner} requires an options object with appId and appSecret`);
    }
    refuseMisspelledOptions(owner, options, CLIENT_OPTIONS);
    this.appId = requireAppId(owner, options.appId);
    this.#appSecret = requireString(owner, 'appSecret', options.appSecret, true).trim();
    this.baseURL = optionalBaseURL(owner, 'baseURL', options.baseURL, DEFAULT_BASE_URL);
    this.timeout = optionalPositive(owner, 'timeout', options.timeout, 10_000, MAX_TIMEOUT);
    this.accessTokenTTL = optionalPositive(owner, 'accessTokenTTL', options.accessTokenTTL, 3600, 31_536_000);
    this.lang = optionalLang(owner, options.lang);
    this.#fetch = optionalFunction(owner, 'fetch', options.fetch);
    this.#site = nodeSite(this.baseURL);
    const query = new URLSearchParams({ app_id: this.appId });
    if (this.lang) query.set('lang', this.lang);
    this.#authorizationURL = `${this.baseURL}/api/oauth?${query}`;
    this.#exchangeQuery = `${new URLSearchParams({ app_id: this.appId, app_secret: this.#appSecret })}&auth_key=`;
    this.#langQuery = this.lang ? `&lang=${formValue(this.lang)}` : '';
  }

  /** The page the browser is sent to: `{baseURL}/api/oauth?app_id=…`. */
  authorizationURL(): string {
    return this.#authorizationURL;
  }

  /**
   * Trades the callback's `auth_key` for an access token. Works with every Sngine generation: a
   * form-encoded POST first, the query-string form once if the server answers "invalid app_id".
   */
  async exchangeAuthKey(authKey: string): Promise<KvixiTokens> {
    if (typeof authKey !== 'string' || authKey.trim() === '') {
      throw new TypeError('exchangeAuthKey requires the auth_key from the callback (a non-empty string)');
    }
    const params = `${this.#exchangeQuery}${formValue(authKey)}`;
    const secrets = [this.#appSecret, authKey];
    const issuedAt = Date.now();
    const first = this.#exchangeMethod;
    let reply: Reply;
    try {
      reply = await this.#request('authorize', first, params, secrets);
    } catch (err) {
      if (!(err instanceof KvixiAPIError && INVALID_APP_ID.test(err.providerMessage))) throw err;
      const other: ExchangeMethod = first === 'POST' ? 'GET' : 'POST';
      debug('authorize: %s was refused with "invalid app_id", retrying with %s', first, other);
      reply = await this.#request('authorize', other, params, secrets);
      this.#exchangeMethod = other;
    }
    const token = fieldOf(reply.body, 'access_token');
    if (typeof token !== 'string' || token.trim() === '') {
      throw unexpected('authorize', 200, 'the reply has no access_token', reply.text, secrets, reply.body);
    }
    return { accessToken: token, expiresAt: new Date(issuedAt + this.accessTokenTTL * 1000) };
  }

  /** Fetches the signed-in user's details. Call it right after the exchange. */
  async getUserInfo(accessToken: string): Promise<KvixiUserInfo> {
    return (await this.getUserInfoReply(accessToken)).userInfo;
  }

  /** Like `getUserInfo`, plus the body as received (a Passport profile's `_raw`). */
  async getUserInfoReply(accessToken: string): Promise<KvixiUserInfoReply> {
    if (typeof accessToken !== 'string' || accessToken.trim() === '') {
      throw new TypeError('getUserInfo requires an access token (a non-empty string)');
    }
    const params = `access_token=${formValue(accessToken)}${this.#langQuery}`;
    const secrets = [this.#appSecret, accessToken];
    const reply = await this.#request('get_user_info', 'GET', params, secrets);
    // Sngine answers `[]` when the token's user was deleted since the approval.
    if (Array.isArray(reply.body) && reply.body.length === 0) throw new KvixiUserNotFoundError();
    const userInfo = toUserInfo(fieldOf(reply.body, 'user_info'));
    if (!userInfo) {
      throw unexpected('get_user_info', 200, 'the reply has no usable user_info', reply.text, secrets, reply.body);
    }
    return { userInfo, raw: reply.text };
  }

  async #request(
    endpoint: KvixiEndpoint,
    method: ExchangeMethod,
    params: string,
    secrets: readonly string[],
  ): Promise<Reply> {
    const endpointURL = `${this.baseURL}/api/${endpoint}`;
    const get = method === 'GET';
    const headers = get ? JSON_HEADERS : FORM_HEADERS;
    const form = get ? undefined : params;
    // Guarded: a debuglog call with arguments costs even while the section is off.
    if (debug.enabled) debug('%s %s', method, endpointURL);
    // A global fetch replaced after this module loaded (a test's stub) is used as it was before.
    const fetchNow = this.#fetch ?? (globalThis.fetch === LOADED_FETCH ? undefined : globalThis.fetch);

    let received: ProviderReply;
    if (fetchNow) {
      const call = new ProviderCall(this.timeout);
      try {
        // The timer also bounds the wait itself: a custom fetch may not pass the signal on.
        received = await call.within(receive(fetchNow(get ? `${endpointURL}?${params}` : endpointURL, fetchInit(method, headers, form, call)), endpoint, call));
      } catch (err) {
        throw this.#fetchError(endpoint, call.timedOut, err, secrets);
      } finally {
        call.end();
      }
    } else {
      const call = new NodeCall(endpoint, method, headers, form, this.timeout);
      try {
        received = await nodeRequest(this.#site, get ? `/api/${endpoint}?${params}` : `/api/${endpoint}`, call);
      } catch (err) {
        throw this.#fetchError(endpoint, call.timedOut, err, secrets);
      }
    }
    const { status, location, text } = received;

    if (status !== 200) {
      const reason =
        status >= 300 && status < 400
          ? redirectReason(location, endpointURL)
          : status === 404
            ? `${endpointURL} does not exist: check that baseURL is the address of a Sngine site`
            : 'Kvixi always answers 200';
      throw unexpected(endpoint, status, reason, text, secrets, parseProviderJSON(text));
    }
    const body = parseProviderJSON(text);
    if (body === undefined) throw unexpected(endpoint, status, 'the reply is not JSON', text, secrets, undefined);
    const error = fieldOf(body, 'error');
    if (error === true || error === 'true') {
      const message = fieldOf(body, 'message');
      if (typeof message !== 'string') throw unexpected(endpoint, status, 'an error without a message', text, secrets, body);
      const words = redactedStart(message, [...secrets, ...secretsIn(body)], MAX_PROVIDER_MESSAGE);
      debug('%s answered error: %s', endpoint, printable(words));
      throw new KvixiAPIError(endpoint, words);
    }
    return { body, text };
  }

  #fetchError(endpoint: KvixiEndpoint, timedOut: boolean, err: unknown, secrets: readonly string[]): Error {
    try {
      return this.#describeFetchError(endpoint, timedOut, err, secrets);
    } catch {
      // A foreign error whose getters throw: say nothing of it rather than let its text escape.
      return new KvixiFetchError(endpoint, 'ERR_KVIXI_FETCH', `Kvixi ${endpoint} could not be reached: fetch failed`, undefined);
    }
  }

  #describeFetchError(endpoint: KvixiEndpoint, timedOut: boolean, err: unknown, secrets: readonly string[]): Error {
    if (err instanceof KvixiUnexpectedResponseError) return err;
    const cause = redactError(err, secrets);
    if (timedOut) {
      return new KvixiFetchError(endpoint, 'ERR_KVIXI_TIMEOUT', `Kvixi ${endpoint} did not answer within ${this.timeout} ms`, cause);
    }
    const detail = err instanceof Error ? describeNetworkError(err) : 'fetch failed';
    return new KvixiFetchError(
      endpoint,
      'ERR_KVIXI_FETCH',
      redact(`Kvixi ${endpoint} could not be reached: ${detail}`, secrets),
      cause,
    );
  }
}

interface Reply {
  body: unknown;
  text: string;
}

/** The global fetch as this module found it: while it is still the one, requests go over node:http(s). */
const LOADED_FETCH = globalThis.fetch;

function fetchInit(method: ExchangeMethod, headers: Readonly<Record<string, string>>, body: string | undefined, call: ProviderCall): RequestInit {
  const init: RequestInit = {
    method,
    // Made when the fetch reads it (fetch itself, a wrapper that spreads init): a stub that never looks costs no AbortController.
    get signal() {
      return call.signal;
    },
    redirect: 'manual',
    headers,
  };
  if (body !== undefined) init.body = body;
  return init;
}

/** Waits for the response and reads its body; a response that arrives after the timeout has its body cancelled. */
async function receive(pending: Response | Promise<Response>, endpoint: KvixiEndpoint, call: ProviderCall): Promise<ProviderReply> {
  const response = await pending;
  if (call.timedOut) {
    cancelQuietly(response);
    throw call.reason;
  }
  const status = response.status;
  const location = status >= 300 && status < 400 ? response.headers.get('location') : null;
  return { status, location, text: await readText(response, endpoint, call) };
}

/** Fetch's own copies are taken per request; these are never handed out for a caller to change. */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ accept: 'application/json', 'user-agent': 'passport-kvixi' });
const FORM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...JSON_HEADERS,
  'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
});

/** A request over node:http(s): the transport arms its timer and says when it fired. */
class NodeCall implements ProviderRequest {
  timedOut = false;
  readonly maxBytes = MAX_BODY_BYTES;

  constructor(
    readonly endpoint: KvixiEndpoint,
    readonly method: ExchangeMethod,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string | undefined,
    readonly timeout: number,
  ) {}

  tooLarge(status: number): Error {
    return tooLarge(this.endpoint, status);
  }
}

/**
 * A request through a custom fetch, under one timer: the timer aborts the fetch, cancels a body
 * still being read, and rejects whatever the request is waiting for, even from a fetch that
 * ignores the signal.
 * (`AbortSignal.timeout` costs a weak reference, listeners and a timer that outlives the request.)
 */
class ProviderCall {
  timedOut = false;
  /** What the fetch, the body and the request are aborted with once the timer fires. */
  reason: unknown;
  #controller: AbortController | undefined;
  readonly #timer: ReturnType<typeof setTimeout>;
  #reject: ((reason: unknown) => void) | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

  constructor(timeout: number) {
    this.#timer = setTimeout(() => this.#expire(), timeout);
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    // Asked for only after the timer fired: already aborted.
    if (this.timedOut && !this.#controller.signal.aborted) this.#controller.abort(this.reason);
    return this.#controller.signal;
  }

  /** What the request waits for (the response and its body, in one promise), or a rejection at the timeout. */
  within<T>(pending: Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#reject = reject;
      pending.then(resolve, reject);
    });
  }

  /** The reader of the body, cancelled if the timer fires while it is read. */
  reading(reader: ReadableStreamDefaultReader<Uint8Array>): void {
    this.#reader = reader;
  }

  end(): void {
    clearTimeout(this.#timer);
    this.#reader = undefined;
    this.#reject = undefined;
  }

  #expire(): void {
    this.timedOut = true;
    this.reason = timeoutReason();
    this.#controller?.abort(this.reason);
    this.#reader?.cancel(this.reason).catch(() => undefined);
    this.#reject?.(this.reason);
  }
}

function cancelQuietly(response: Response): void {
  try {
    response.body?.cancel().catch(() => undefined);
  } catch {
    // Not a stream that can be cancelled: nothing is being read from it either.
  }
}

const utf8 = new TextDecoder();
const FORM_SAFE = /^[\w.*-]*$/;

/** A value as a form body or query string writes it (URLSearchParams' encoding), cheaply when it needs none. */
function formValue(value: string): string {
  return FORM_SAFE.test(value) ? value : new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * Reads at most MAX_BODY_BYTES, counting what actually arrives: a declared `Content-Length` is
 * not trusted (a custom fetch may stream more than it declares). A longer reply is cancelled.
 */
async function readText(response: Response, endpoint: KvixiEndpoint, call: ProviderCall): Promise<string> {
  const stream = response.body;
  if (!stream) {
    // A Response-like object from a custom fetch, without a stream to count.
    const text = await response.text();
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge(endpoint, response.status);
    return text;
  }
  const reader = stream.getReader();
  call.reading(reader);
  let first: Uint8Array | undefined;
  let chunks: Uint8Array[] | undefined;
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (call.timedOut) throw call.reason;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.cancel().catch(() => undefined);
      throw tooLarge(endpoint, response.status);
    }
    if (first === undefined) first = value;
    else (chunks ??= [first]).push(value);
  }
  if (first === undefined) return '';
  // TextDecoder, as Response.text() does: U+FFFD for invalid UTF-8, a leading BOM dropped.
  return utf8.decode(chunks ? Buffer.concat(chunks, size) : first);
}

function tooLarge(endpoint: KvixiEndpoint, status: number): KvixiUnexpectedResponseError {
  return new KvixiUnexpectedResponseError(endpoint, status, `the reply is larger than ${MAX_BODY_BYTES} bytes`, '');
}

/** An unexpected-response error whose excerpt hides the request's secrets and any the reply carried. */
function unexpected(
  endpoint: KvixiEndpoint,
  status: number,
  reason: string,
  text: string,
  secrets: readonly string[],
  body: unknown,
): KvixiUnexpectedResponseError {
  return new KvixiUnexpectedResponseError(endpoint, status, reason, excerpt(text, [...secrets, ...secretsIn(body)]));
}

/** The error code and message of the network failure (redacted by the caller), never the URL. */
function describeNetworkError(err: Error): string {
  try {
    const inner = err.cause instanceof Error ? err.cause : err;
    const code = (inner as { code?: unknown }).code;
    const message = String(inner.message);
    return typeof code === 'string' ? `${code} (${message})` : message;
  } catch {
    return 'fetch failed';
  }
}

function redirectReason(location: string | null, requested: string): string {
  if (!location) return 'a redirect without a Location';
  try {
    const target = new URL(location, requested);
    return `a redirect to ${target.origin}${target.pathname}; set baseURL to the site's final address`;
  } catch {
    return 'a redirect to an invalid Location';
  }
}

/**
 * JSON.parse, tolerating the HTML warning a misconfigured PHP server prints before the JSON.
 * Returns undefined when no JSON can be found.
 */
export function parseProviderJSON(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON as it came: perhaps white space JSON does not allow (a BOM, U+00A0), or a warning first.
  }
  const trimmed = text.trim();
  if (trimmed.length !== text.length) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      // Still not JSON: look for a warning before it.
    }
  }
  if (!trimmed.startsWith('<')) return undefined;
  // The JSON follows the last tag of the warning; one linear scan, whatever the reply holds.
  const rest = trimmed.slice(trimmed.lastIndexOf('>') + 1).trimStart();
  if (!rest.startsWith('{') && !rest.startsWith('[')) return undefined;
  try {
    const body = JSON.parse(rest) as unknown;
    debug('the reply had %d bytes of non-JSON before the JSON (a PHP warning?)', trimmed.length - rest.length);
    return body;
  } catch {
    return undefined;
  }
}

function fieldOf(body: unknown, name: string): unknown {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/** Keeps the contract "every value a string or null" even when a server sends numbers. */
function toUserInfo(value: unknown): KvixiUserInfo | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const info: Record<string, string | null> = {};
  for (const key of USER_INFO_FIELDS) info[key] = null;
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    // JSON.parse makes `__proto__` an own key; copying it would change the object's prototype.
    if (UNSAFE_KEYS.has(key)) continue;
    const field = fields[key];
    if (typeof field === 'string') info[key] = field;
    // JSON.parse has already rounded a number past 2^53: as an id it would name somebody else.
    else if (typeof field === 'number' && Number.isSafeInteger(field)) info[key] = String(field);
    else if (typeof field === 'number' && key !== 'user_id' && Number.isFinite(field)) info[key] = String(field);
    else info[key] = null;
  }
  const id = info.user_id;
  if (typeof id !== 'string' || id.trim() === '') return undefined;
  return info as KvixiUserInfo;
}
