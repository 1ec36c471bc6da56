import type { NextFunction, Request, Response } from 'express';
import passport, { type AuthenticateOptions } from 'passport';
import { createClient } from 'redis';
import { describe, expectTypeOf, it } from 'vitest';
import {
  handleAsync,
  KvixiMemoryClaimStore,
  KvixiRedisClaimStore,
  KvixiStrategy,
  Strategy,
  withState,
  type KvixiConsumeResult,
  type KvixiInfo,
  type KvixiLoginFailure,
  type KvixiNoPendingLoginReason,
  type KvixiPendingLoginStore,
  type KvixiState,
  type KvixiProfile,
  type KvixiStrategyOptions,
  type KvixiStrategyOptionsWithRequest,
  type KvixiTokens,
  type KvixiUserInfo,
  type KvixiVerifyCallback,
} from '../lib/index.js';

const credentials = { appId: '1', appSecret: 's' };

describe('verify overloads', () => {
  it('gives tokens, profile and done by default', () => {
    new KvixiStrategy(credentials, (tokens, profile, done) => {
      expectTypeOf(tokens).toEqualTypeOf<KvixiTokens>();
      expectTypeOf(profile).toEqualTypeOf<KvixiProfile>();
      expectTypeOf(done).toEqualTypeOf<KvixiVerifyCallback>();
    });
  });

  it('puts the request first with passReqToCallback: true, without a cast', () => {
    new KvixiStrategy({ ...credentials, passReqToCallback: true }, (req, tokens, profile, done) => {
      expectTypeOf(req).toEqualTypeOf<Request>();
      expectTypeOf(tokens).toEqualTypeOf<KvixiTokens>();
      expectTypeOf(profile).toEqualTypeOf<KvixiProfile>();
      expectTypeOf(done).toEqualTypeOf<KvixiVerifyCallback>();
    });
  });

  it('has no profile with skipUserProfile: true', () => {
    new KvixiStrategy({ ...credentials, skipUserProfile: true }, (_tokens, profile) => {
      expectTypeOf(profile).toEqualTypeOf<undefined>();
    });
    new KvixiStrategy({ ...credentials, skipUserProfile: true, passReqToCallback: true }, (req, _tokens, profile) => {
      expectTypeOf(req).toEqualTypeOf<Request>();
      expectTypeOf(profile).toEqualTypeOf<undefined>();
    });
  });

  it('accepts options kept in a typed variable', () => {
    const options: KvixiStrategyOptions = { ...credentials, baseURL: 'https://social.example' };
    new KvixiStrategy(options, (_tokens, profile, done) => done(null, profile.id));
    const withRequest: KvixiStrategyOptionsWithRequest = { ...credentials, passReqToCallback: true };
    new KvixiStrategy(withRequest, (req, _tokens, profile, done) => done(null, { id: profile.id, ip: req.ip }));
  });

  it('accepts an async verify that returns the user or false', () => {
    new KvixiStrategy(credentials, async (_tokens, profile) => (profile.id === '1' ? { id: profile.id } : false));
  });

  it('rejects a request-first verify without passReqToCallback', () => {
    // @ts-expect-error the first argument is the tokens unless passReqToCallback is true
    new KvixiStrategy(credentials, (req: Request, _tokens: KvixiTokens, _profile: KvixiProfile) => req);
  });

  it('rejects a missing appSecret', () => {
    // @ts-expect-error appSecret is required
    new KvixiStrategy({ appId: '1' }, () => undefined);
  });

  it('takes process.env values as they are, and still infers tokens and profile', () => {
    const env: Record<string, string | undefined> = {};
    new KvixiStrategy(
      { appId: env.KVIXI_APP_ID, appSecret: env.KVIXI_APP_SECRET, baseURL: env.KVIXI_BASE_URL, timeout: undefined },
      async (tokens, profile) => {
        expectTypeOf(tokens).toEqualTypeOf<KvixiTokens>();
        expectTypeOf(profile).toEqualTypeOf<KvixiProfile>();
        return { id: profile.id };
      },
    );
  });

  it('refuses an async verify that forgets to return the user, on TypeScript 5.9 and 7', () => {
    // @ts-expect-error a Promise<void> is the classic bug: resolve to the user or false
    new KvixiStrategy(credentials, async (_tokens, profile) => {
      await Promise.resolve(profile.id);
    });
    const forgetful = async (_tokens: KvixiTokens, profile: KvixiProfile) => {
      await Promise.resolve(profile.id);
    };
    // @ts-expect-error the same, declared apart
    new KvixiStrategy(credentials, forgetful);
    // @ts-expect-error a promise of undefined is no outcome either
    new KvixiStrategy(credentials, async () => undefined);
    // @ts-expect-error a thenable is awaited like a promise, and this one gives nothing
    new KvixiStrategy(credentials, () => ({ then: (resolve: (value: void) => void) => resolve() }));
  });

  it('accepts a synchronous verify that returns the user or false', () => {
    new KvixiStrategy(credentials, (_tokens, profile) => ({ id: profile.id }));
    new KvixiStrategy(credentials, () => false);
  });

  it("passes state through Passport's options type with withState, and reads it back from req.authInfo", () => {
    expectTypeOf(withState({ returnTo: '/account' })).toMatchTypeOf<AuthenticateOptions>();
    expectTypeOf<NonNullable<Request['authInfo']>['state']>().toEqualTypeOf<KvixiState | undefined>();
    const info = {} as KvixiInfo;
    if ('code' in info) expectTypeOf(info.continueURL).toEqualTypeOf<string | undefined>();
  });

  it('types the reason of ERR_KVIXI_NO_PENDING_LOGIN as a union to switch on', () => {
    expectTypeOf<KvixiNoPendingLoginReason>().toEqualTypeOf<'no-cookie' | 'not-started-here'>();
    expectTypeOf<KvixiLoginFailure['reason']>().toEqualTypeOf<KvixiNoPendingLoginReason | undefined>();
    expectTypeOf<Extract<KvixiConsumeResult, { status: 'none' }>['reason']>().toEqualTypeOf<KvixiNoPendingLoginReason | undefined>();
  });

  it('exports the class as Strategy too', () => {
    expectTypeOf(Strategy).toEqualTypeOf<typeof KvixiStrategy>();
  });

  it('types user_info values as a string or null, and user_id always as a string', () => {
    expectTypeOf<KvixiUserInfo['user_gender']>().toEqualTypeOf<string | null>();
    expectTypeOf<KvixiUserInfo['user_id']>().toEqualTypeOf<string>();
  });
});

describe('stores and claim stores', () => {
  const verify = async () => false as const;

  it('takes a custom pending-login store whose clear resolves nothing, as before claim stores', () => {
    const store: KvixiPendingLoginStore = {
      add: async () => undefined,
      consume: async () => ({ status: 'none' }),
      clear: async () => undefined,
    };
    new KvixiStrategy({ ...credentials, store }, verify);
  });

  it('takes the memory store, the Redis store on a node-redis client, or any claim(id, ttlMs) of a boolean', () => {
    new KvixiStrategy({ ...credentials, claimStore: new KvixiMemoryClaimStore({ maxClaims: 10 }) }, verify);
    new KvixiStrategy({ ...credentials, claimStore: new KvixiRedisClaimStore(createClient()) }, verify);
    new KvixiStrategy({ ...credentials, claimStore: { claim: async (id: string, ttlMs: number) => id.length < ttlMs } }, verify);
  });

  it('refuses a claim store that resolves anything but a boolean', () => {
    // @ts-expect-error claim must resolve true or false
    new KvixiStrategy({ ...credentials, claimStore: { claim: async () => 'OK' } }, verify);
  });
});

describe('handleAsync', () => {
  it('wraps an async custom callback with next, keeping its parameter types', () => {
    (req: Request, res: Response, next: NextFunction) => {
      const callback = handleAsync(next, async (err: unknown, user: Express.User | false, info: KvixiInfo) => {
        if (err) return next(err);
        if (!user) return res.status(401).send(info);
        await Promise.resolve();
      });
      expectTypeOf(callback).parameters.toEqualTypeOf<[unknown, false | Express.User, KvixiInfo]>();
      expectTypeOf(callback).returns.toEqualTypeOf<void>();
      passport.authenticate('kvixi', callback)(req, res, next);
    };
  });

  it('wraps an async serializeUser and deserializeUser, whose parameters Passport types', () => {
    passport.serializeUser(
      handleAsync(async (user, done) => {
        expectTypeOf(user).toEqualTypeOf<Express.User>();
        done(null, await Promise.resolve('id'));
      }),
    );
    passport.deserializeUser(
      handleAsync(async (id: string, done) => {
        done(null, await Promise.resolve({ id }));
      }),
    );
    passport.serializeUser(
      handleAsync(async (req: Request, user: Express.User, done: (err: unknown, id?: string) => void) => {
        done(null, `${req.ip ?? ''}:${Object.keys(user).length}`);
      }),
    );
  });

  it('refuses a callback without next when its last parameter is no done', () => {
    // @ts-expect-error a custom callback needs next: handleAsync(next, callback)
    handleAsync(async (_err: unknown, _user: Express.User | false, _info: KvixiInfo) => undefined);
  });
});
