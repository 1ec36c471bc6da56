import { describe, expect, it } from 'vitest';
import { KvixiClient, KvixiCookieStore, KvixiStrategy } from '../lib/index.js';

// Option errors a developer reads once and fixes: they name the class the developer constructed,
// the option, and the value it got (never a secret's), and a misspelt option is refused by name.

const verify = (): void => undefined;
const credentials = { appId: '1732698123456', appSecret: 'a3f1c9e27b4d4e0f9a1b2c3d4e5f6a7b' };

function errorOf(build: () => unknown): TypeError {
  try {
    build();
  } catch (err) {
    if (err instanceof TypeError) return err;
    throw err;
  }
  throw new Error('no TypeError was thrown');
}

describe('option errors name the class the developer constructed', () => {
  it.each([
    [{ ...credentials, appId: "'1732698123456'" }, `KvixiStrategy got appId "'1732698123456'": it must be the app's numeric app_id, e.g. "1732698123456" (remove the quotes around it)`],
    [{ ...credentials, appId: 1732698123456 }, 'KvixiStrategy requires an appId option (a non-empty string), got 1732698123456'],
    [{ ...credentials, baseURL: 'kvixi.test' }, 'KvixiStrategy baseURL must be an absolute http(s) URL, got "kvixi.test"'],
    [{ ...credentials, timeout: -1 }, 'KvixiStrategy timeout must be a positive number no greater than 2147483647, got -1'],
    [{ ...credentials, lang: 'English' }, 'KvixiStrategy lang must be a site language code such as "en_us", got "English"'],
    [{ ...credentials, fetch: 'fetch' }, 'KvixiStrategy fetch must be a function, got "fetch"'],
  ])('a KvixiStrategy built with %o says "%s"', (options, message) => {
    const err = errorOf(() => new KvixiStrategy(options as never, verify));
    expect(err.message).toBe(message);
  });

  it('a KvixiClient built on its own names KvixiClient', () => {
    expect(errorOf(() => new KvixiClient({ ...credentials, appId: 'app-1' })).message).toBe(
      'KvixiClient got appId "app-1": it must be the app\'s numeric app_id, e.g. "1732698123456"',
    );
  });

  it('never shows the appSecret it got, only what kind of value it was', () => {
    const number = errorOf(() => new KvixiStrategy({ ...credentials, appSecret: 987654321 } as never, verify));
    expect(number.message).toBe('KvixiStrategy requires an appSecret option (a non-empty string), got a number');
    const blank = errorOf(() => new KvixiClient({ ...credentials, appSecret: ' \t ' }));
    expect(blank.message).toBe('KvixiClient requires an appSecret option (a non-empty string), got a blank string');
  });

  it('does not show a baseURL that could carry credentials', () => {
    const err = errorOf(() => new KvixiStrategy({ ...credentials, baseURL: 'admin:hunter2@kvixi.test' }, verify));
    expect(err.message).toBe('KvixiStrategy baseURL must be an absolute http(s) URL, got a URL with credentials');
    expect(err.message).not.toContain('hunter2');
  });
});

describe('a misspelt option (in JavaScript) is a TypeError naming the right one', () => {
  it.each([
    ['baseUrl', 'baseURL'],
    ['callbackUrl', 'callbackURL'],
    ['appID', 'appId'],
    ['app_secret', 'appSecret'],
    ['clientID', 'appId'],
    ['clientSecret', 'appSecret'],
    ['pendingLoginTtl', 'pendingLoginTTL'],
  ])('KvixiStrategy refuses %s: did you mean %s?', (wrong, right) => {
    const err = errorOf(() => new KvixiStrategy({ ...credentials, [wrong]: 'x' } as never, verify));
    expect(err.message).toBe(`KvixiStrategy has no ${wrong} option: did you mean ${right}?`);
  });

  it('KvixiClient refuses baseUrl, which would otherwise send every request to kvixi.com', () => {
    const err = errorOf(() => new KvixiClient({ ...credentials, baseUrl: 'http://127.0.0.1:4000' } as never));
    expect(err.message).toBe('KvixiClient has no baseUrl option: did you mean baseURL?');
  });

  it('KvixiCookieStore refuses cookiename and same_site', () => {
    const secret = 'k'.repeat(32);
    expect(errorOf(() => new KvixiCookieStore({ secret, cookiename: 'x' } as never)).message).toBe(
      'KvixiCookieStore has no cookiename option: did you mean cookieName?',
    );
    expect(errorOf(() => new KvixiCookieStore({ secret, same_site: 'none' } as never)).message).toBe(
      'KvixiCookieStore has no same_site option: did you mean sameSite?',
    );
  });

  it('accepts unknown options that are close to none of its own, as Passport strategies do', () => {
    const strategy = new KvixiStrategy({ ...credentials, scope: ['email'], profileFields: ['id'], state: true } as never, verify);
    expect(strategy.name).toBe('kvixi');
    expect(new KvixiClient({ ...credentials, callbackURL: '/cb' } as never).appId).toBe('1732698123456');
  });
});
