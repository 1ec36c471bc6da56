// The README's NestJS recipe with sessions, run by test/nestjs-sessions.test.ts.
// #region recipe: nestjs-with-sessions
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportSerializer, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import session from 'express-session';
import passport from 'passport';
import { KvixiStrategy, type KvixiProfile, type KvixiTokens } from 'passport-kvixi';
import { KvixiGuard } from './kvixi.guard.js';

@Injectable()
class KvixiAuthStrategy extends PassportStrategy(KvixiStrategy, 'kvixi') {
  constructor() {
    super({
      appId: process.env.KVIXI_APP_ID,
      appSecret: process.env.KVIXI_APP_SECRET,
      baseURL: process.env.KVIXI_BASE_URL,
      callbackURL: '/auth/kvixi/callback',
    });
  }

  validate(_tokens: KvixiTokens, profile: KvixiProfile) {
    return { id: profile.id, name: profile.displayName };
  }
}

@Injectable()
class SessionSerializer extends PassportSerializer {
  serializeUser(user: Express.User, done: (err: null, user: Express.User) => void) {
    done(null, user);
  }

  deserializeUser(user: Express.User, done: (err: null, user: Express.User) => void) {
    done(null, user);
  }
}

/** The same guard, which also keeps the user in the session. */
@Injectable()
class KvixiSessionGuard extends KvixiGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return allowed;
  }
}

@Controller()
class AuthController {
  @Get('auth/kvixi')
  @UseGuards(KvixiSessionGuard)
  start(): void {}

  @Get('auth/kvixi/callback')
  @UseGuards(KvixiSessionGuard)
  finish(@Req() req: Request) {
    return { user: req.user };
  }

  @Get('me')
  me(@Req() req: Request) {
    return { user: req.user ?? null };
  }
}

@Module({ controllers: [AuthController], providers: [KvixiAuthStrategy, SessionSerializer] })
class AppModule {}

export const app = await NestFactory.create(AppModule, { logger: false });
app.use(session({ secret: process.env.SESSION_SECRET ?? 'dev only', resave: false, saveUninitialized: false }));
app.use(passport.session());
await app.listen(Number(process.env.PORT ?? 3000));
// #endregion
