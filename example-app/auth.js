import { Passport } from 'passport';
import { KvixiStrategy } from 'passport-kvixi';

/**
 * Passport for this app: "Log in with Kvixi" into local accounts. The session keeps only the
 * local user id; every request reads the row again, so a deleted account is logged out at once.
 */
export function createPassport({ db, kvixi }) {
  const passport = new Passport();

  passport.use(
    new KvixiStrategy(
      {
        appId: kvixi.appId,
        appSecret: kvixi.appSecret,
        baseURL: kvixi.baseURL,
        callbackURL: '/auth/kvixi/callback',
        lang: 'en_us',
        // Real Sngine servers expire tokens a minute after issue, whatever the docs say.
        accessTokenTTL: 60,
        timeout: kvixi.timeout,
      },
      async (tokens, profile) => {
        const user = db.saveKvixiUser(profile);
        // Shown on the profile page; the token itself is of no use once the profile is read.
        user.tokenExpiresAt = tokens.expiresAt.toISOString();
        return user;
      },
    ),
  );

  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id, done) => {
    try {
      done(null, db.findUser(id) ?? false);
    } catch (err) {
      done(err);
    }
  });
  return passport;
}
