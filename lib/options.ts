/** Option checks shared by the strategy and the client: each throws a `TypeError` naming the option. */

export function requireString(owner: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    const article = /^[aeiou]/i.test(name) ? 'an' : 'a';
    throw new TypeError(`${owner} requires ${article} ${name} option (a non-empty string)`);
  }
  return value;
}

/** Sngine looks apps up by `intval(app_id)`, so anything but digits would silently match another app or none. */
export function requireAppId(owner: string, value: unknown): string {
  const appId = requireString(owner, 'appId', value).trim();
  if (!/^\d{1,20}$/.test(appId)) {
    throw new TypeError(`${owner} appId must be the app's numeric app_id, e.g. "1732698123456"`);
  }
  return appId;
}

/** An absolute http(s) URL without credentials, query or fragment, returned without a trailing slash. */
export function optionalBaseURL(owner: string, name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(requireString(owner, name, value));
  } catch (err) {
    if (err instanceof TypeError && err.message.startsWith(owner)) throw err;
    throw new TypeError(`${owner} ${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${owner} ${name} must be an absolute http(s) URL`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new TypeError(`${owner} ${name} must not carry credentials, a query or a fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

export function optionalPositive(owner: string, name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new TypeError(`${owner} ${name} must be a positive number no greater than ${max}`);
  }
  return value;
}

export function optionalLang(owner: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z]{2,3}(?:[_-][A-Za-z]{2,4})?$/.test(value)) {
    throw new TypeError(`${owner} lang must be a site language code such as "en_us"`);
  }
  return value;
}

export function optionalFunction<T>(owner: string, name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${owner} ${name} must be a function`);
  }
  return value;
}

export function optionalBoolean(owner: string, name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${owner} ${name} must be true or false`);
  return value;
}
