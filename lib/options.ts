/**
 * Option checks shared by the strategy, the client and the cookie store: each throws a
 * `TypeError` naming the class the user constructed (`owner`), the option and, unless it is a
 * secret, the value it got.
 */

/** What kind of value it is: all a message says of a secret. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** How a received value is shown in a message: strings quoted and cut short, objects by their kind. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  return kindOf(value);
}

/** A URL as shown in a message: not at all when it could carry credentials (`user:password@`). */
function shownURL(value: unknown): string {
  return typeof value === 'string' && value.includes('@') ? 'a URL with credentials' : shown(value);
}

export function requireString(owner: string, name: string, value: unknown, secret = false): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const article = /^[aeiou]/i.test(name) ? 'an' : 'a';
    // Never a secret's value, not even a blank one.
    const got = value === undefined ? '' : `, got ${!secret ? shown(value) : typeof value === 'string' ? 'a blank string' : kindOf(value)}`;
    throw new TypeError(`${owner} requires ${article} ${name} option (a non-empty string)${got}`);
  }
  return value;
}

/** Sngine looks apps up by `intval(app_id)`, so anything but digits would silently match another app or none. */
export function requireAppId(owner: string, value: unknown): string {
  const appId = requireString(owner, 'appId', value).trim();
  if (!/^\d{1,20}$/.test(appId)) {
    const hint = /^(["'`]).*\1$/.test(appId) ? ' (remove the quotes around it)' : '';
    throw new TypeError(`${owner} got appId ${shown(value)}: it must be the app's numeric app_id, e.g. "1732698123456"${hint}`);
  }
  return appId;
}

// Names from other Passport strategies, and spellings of ours, that mean one of our options.
const MEANT: Readonly<Record<string, string>> = { clientid: 'appId', clientsecret: 'appSecret' };
const normalized = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

/**
 * Refuses an option that is a misspelling of a known one (`baseUrl`, `callbackUrl`, `appID`,
 * `app_secret`, passport-oauth2's `clientID`): ignored, it would silently change what the app
 * does (`baseUrl` sends logins to kvixi.com). Other unknown options are left alone, as Passport
 * strategies leave them.
 */
export function refuseMisspelledOptions(owner: string, options: object, known: readonly string[]): void {
  const byNormalized = new Map(known.map((name) => [normalized(name), name]));
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const meant = byNormalized.get(normalized(name)) ?? MEANT[normalized(name)];
    if (meant !== undefined && known.includes(meant)) {
      throw new TypeError(`${owner} has no ${name} option: did you mean ${meant}?`);
    }
  }
}

/** An absolute http(s) URL without credentials, query or fragment, returned without a trailing slash. */
export function optionalBaseURL(owner: string, name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(requireString(owner, name, value));
  } catch (err) {
    if (err instanceof TypeError && err.message.startsWith(owner)) throw err;
    throw new TypeError(`${owner} ${name} must be an absolute http(s) URL, got ${shownURL(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${owner} ${name} must be an absolute http(s) URL, got ${shownURL(value)}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new TypeError(`${owner} ${name} must not carry credentials, a query or a fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

export function optionalPositive(owner: string, name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new TypeError(`${owner} ${name} must be a positive number no greater than ${max}, got ${shown(value)}`);
  }
  return value;
}

export function optionalLang(owner: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z]{2,3}(?:[_-][A-Za-z]{2,4})?$/.test(value)) {
    throw new TypeError(`${owner} lang must be a site language code such as "en_us", got ${shown(value)}`);
  }
  return value;
}

export function optionalFunction<T>(owner: string, name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${owner} ${name} must be a function, got ${shown(value)}`);
  }
  return value;
}

export function optionalBoolean(owner: string, name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${owner} ${name} must be true or false`);
  return value;
}
