import { Passport } from 'passport';
import { KvixiStrategy, type KvixiClaimStore, type KvixiProfile, type KvixiTokens } from 'passport-kvixi';
import type { AppDatabase, LocalUser } from './db.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    /** `req.user` in this app: the local account. */
    interface User extends LocalUser {
      /** When the Kvixi access token expires; set on the login request only. */
      tokenExpiresAt?: string;
    }
  }
}

export interface KvixiSettings {
  appId: string;
  appSecret: string;
  baseURL: string;
  /** Milliseconds to wait for Kvixi; the strategy's default when absent. */
  timeout?: number | undefined;
}

/** How long a started login may take, in seconds; an anonymous session lives exactly as long. */
export const PENDING_LOGIN_TTL = 600;

/**
 * Passport for this app: "Log in with Kvixi" into local accounts. The session keeps only the
 * local user id; every request reads the row again, so a deleted account is logged out at once.
 */
export function createPassport({
  db,
  kvixi,
  claimStore,
}: {
  db: AppDatabase;
  kvixi: KvixiSettings;
  /** Where used pending logins are recorded; the strategy's in-process default when absent. */
  claimStore?: KvixiClaimStore | undefined;
}): InstanceType<typeof Passport> {
  const passport = new Passport();

  passport.use(
    new KvixiStrategy(
      {
        appId: kvixi.appId,
        appSecret: kvixi.appSecret,
        baseURL: kvixi.baseURL,
        callbackURL: '/auth/kvixi/callback',
        lang: 'en_us',
        // The app shows its own "Continue to log in" page for a login started from another site.
        continuePage: false,
        // Real Sngine servers expire tokens a minute after issue, whatever the docs say.
        accessTokenTTL: 60,
        pendingLoginTTL: PENDING_LOGIN_TTL,
        claimStore,
        ...(kvixi.timeout === undefined ? {} : { timeout: kvixi.timeout }),
      },
      async (tokens: KvixiTokens, profile: KvixiProfile): Promise<Express.User> => {
        const user = db.saveKvixiUser(profile);
        // Shown on the profile page; the token itself is of no use once the profile is read.
        return { ...user, tokenExpiresAt: tokens.expiresAt.toISOString() };
      },
    ),
  );

  passport.serializeUser<number>((user, done) => done(null, user.id));
  passport.deserializeUser<number>((id, done) => {
    try {
      done(null, db.findUser(id) ?? false);
    } catch (err) {
      done(err);
    }
  });
  return passport;
}
