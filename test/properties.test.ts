import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KvixiUserInfo } from '../lib/index.js';
import { KvixiMemoryClaimStore } from '../lib/claim-store.js';
import {
  MAX_PENDING,
  newPendingLogin,
  takeNewestLive,
  withPendingLogin,
  type KvixiPendingLogin,
  type KvixiPendingLoginContext,
} from '../lib/pending-login.js';
import { decodeEntities, mapProfile } from '../lib/profile.js';
import { excerpt, printable, redact, redactError } from '../lib/redact.js';

// Each property is an invariant in one sentence, checked on generated input that includes the
// nasty cases: entities, lone surrogates, CR/LF and other control characters, long strings.

/** Any UTF-16 text, lone surrogates included. */
const text = fc.string({ unit: 'binary', maxLength: 200 });
/** Text rich in what the functions look for. */
const tricky = fc.array(
  fc.oneof(
    text,
    fc.constantFrom('&', '&amp;', '&lt;', '&#039;', '&#x1F600;', '&#0;', '&#xD800;', '&eacute;', '&bogus;', ';', '#'),
    fc.constantFrom('\r\n', '\u0000', '\u001b[31m', '\u2028', 'app_secret=', 'auth_key:', '"access_token":"'),
  ),
  { maxLength: 12 },
).map((parts) => parts.join(''));
/** Secrets as long as the real ones and longer, of any characters. */
const secret = fc.string({ unit: 'binary', minLength: 8, maxLength: 64 });

describe('decodeEntities', () => {
  it('never throws, whatever the text', () => {
    fc.assert(fc.property(tricky, (input) => typeof decodeEntities(input) === 'string'));
  });

  it('is one pass: decoding text whose & are escaped gives the text back', () => {
    fc.assert(fc.property(tricky, (input) => decodeEntities(input.replaceAll('&', '&amp;')) === input));
  });

  it('leaves text without & unchanged', () => {
    fc.assert(fc.property(text, (input) => decodeEntities(input.replaceAll('&', '')) === input.replaceAll('&', '')));
  });
});

describe('redact, excerpt, printable and redactError', () => {
  it('never return a secret that went in, raw or URL-encoded', () => {
    fc.assert(
      fc.property(tricky, secret, tricky, (before, value, after) => {
        for (const form of [value, encodeURIComponent(value)]) {
          const input = `${before}${form}${after}`;
          const out = redact(input, [value]);
          if (out.includes(value)) return false;
          if (excerpt(input, [value]).includes(value)) return false;
        }
        return true;
      }),
    );
  });

  it('keep no secret anywhere in an error, whatever was thrown', () => {
    const thrown = (value: string) =>
      fc.oneof(
        fc.constant(value),
        fc.constant({ url: `https://x/?auth_key=${value}`, body: value }),
        fc.constant(new Error(`failed ${value}`, { cause: { value } })),
        fc.constant(new Error('outer', { cause: new Error(`inner ${value}`, { cause: value }) })),
        fc.integer({ min: 1, max: 12 }).map((depth) => {
          let err = new Error(`deep ${value}`, { cause: value });
          for (let i = 0; i < depth; i++) err = new Error(`level ${i}`, { cause: err });
          return err;
        }),
        fc.constant(Object.assign(new Error('x'), { code: value, request: { body: value } })),
      );
    fc.assert(
      fc.property(
        secret.chain((value) => fc.tuple(fc.constant(value), thrown(value))),
        ([value, err]) => {
          const copy = redactError(err, [value]);
          const views = [inspect(copy, { depth: Infinity, showHidden: true }), JSON.stringify(copy), String(copy)];
          return views.every((view) => !view.includes(value));
        },
      ),
    );
  });

  it('printable leaves no control character and keeps a line a line', () => {
    fc.assert(
      fc.property(tricky, (input) => {
        // C0, DEL, C1 and the two JavaScript line separators.
        return !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(printable(input, 10_000));
      }),
    );
  });
});

describe('the profile mapping', () => {
  const value = fc.option(tricky, { nil: null });
  const userInfo = fc
    .record({
      user_id: tricky.filter((id) => id.trim() !== ''),
      user_name: value,
      user_email: value,
      user_firstname: value,
      user_lastname: value,
      user_gender: fc.option(fc.oneof(tricky, fc.constantFrom('1', '2', '3', 'Male', 'N/A', 'female')), { nil: null }),
      user_birthdate: fc.option(fc.oneof(tricky, fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), fc.constantFrom('1990-00-00', '2020-13-45', '2021-02-29')), { nil: null }),
      user_picture: value,
      user_cover: value,
      user_registered: value,
      user_verified: value,
      user_relationship: value,
      user_biography: value,
      user_website: value,
      profile_picture: value,
    })
    .map((info) => info as KvixiUserInfo);
  const site = { baseURL: 'https://kvixi.test', uploadsURL: 'https://kvixi.test/content/uploads/' };

  it('never throws and keeps its documented shape on any user_info', () => {
    fc.assert(
      fc.property(userInfo, (info) => {
        const profile = mapProfile(info, '{}', site);
        expect(profile.id).toBe(info.user_id.trim());
        expect(profile.displayName.length).toBeGreaterThan(0);
        // A real day survives a round trip through Date, an oracle independent of the code under test.
        if (profile.birthday !== undefined) {
          expect(new Date(`${profile.birthday}T00:00:00Z`).toISOString().slice(0, 10)).toBe(profile.birthday);
        }
        for (const photo of profile.photos ?? []) expect(photo.value).toMatch(/^https?:\/\//);
        if (profile.profileUrl !== undefined) expect(profile.profileUrl.startsWith(`${site.baseURL}/`)).toBe(true);
        expect(profile._json).toBe(info);
      }),
    );
  });
});

describe('pending logins', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), at: fc.integer({ min: 0, max: 2_000_000 }) }),
    fc.record({ kind: fc.constant('consume' as const), at: fc.integer({ min: 0, max: 2_000_000 }) }),
  );

  it('hand out each login at most once, the newest live one, and keep at most five', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 1_000_000 }), (steps, ttlMs) => {
        let stored: KvixiPendingLogin[] = [];
        const handedOut = new Set<string>();
        let clock = 0;
        for (const { kind, at } of steps) {
          clock = Math.max(clock, at);
          const context: KvixiPendingLoginContext = { key: 'k', ttlMs, now: clock };
          if (kind === 'add') {
            stored = withPendingLogin(stored, newPendingLogin(clock, undefined), context);
            expect(stored.length).toBeLessThanOrEqual(MAX_PENDING);
            continue;
          }
          const live = stored.filter((entry) => clock - entry.createdAt < ttlMs);
          const { result, rest } = takeNewestLive(stored, context);
          if (result.status === 'found') {
            expect(handedOut.has(result.login.nonce)).toBe(false);
            handedOut.add(result.login.nonce);
            expect(result.login).toBe(live.at(-1));
            expect(rest.some((entry) => entry.nonce === result.login.nonce)).toBe(false);
          } else {
            expect(live).toEqual([]);
            expect(rest).toEqual([]);
          }
          stored = rest;
        }
      }),
    );
  });

  it('claim a login once: true for a fresh id, false while an earlier claim lives, true again only once it expired', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), after: fc.nat(4000), ttlMs: fc.integer({ min: 1, max: 5000 }) }), {
          maxLength: 60,
        }),
        async (steps) => {
          let now = 1_700_000_000_000;
          const store = new KvixiMemoryClaimStore({ now: () => now });
          const claimedUntil = new Map<string, number>();
          for (const { id, after, ttlMs } of steps) {
            now += after;
            const claimed = await store.claim(id, ttlMs);
            const until = claimedUntil.get(id);
            // A claim lives at least its ttlMs, and at most until the next whole second after it.
            if (until === undefined) expect(claimed).toBe(true);
            else if (now < until) expect(claimed).toBe(false);
            else if (now >= Math.ceil(until / 1000) * 1000) expect(claimed).toBe(true);
            if (claimed) claimedUntil.set(id, now + ttlMs);
          }
        },
      ),
    );
  });
});
