// The README's NestJS recipe without sessions, run by test/nestjs.test.ts.
// #region recipe: nestjs-without-sessions
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { KvixiCookieStore, KvixiStrategy, type KvixiProfile, type KvixiTokens } from 'passport-kvixi';
import { KvixiGuard } from './kvixi.guard.js';

@Injectable()
class KvixiAuthStrategy extends PassportStrategy(KvixiStrategy, 'kvixi') {
  constructor() {
    super({
      appId: process.env.KVIXI_APP_ID,
      appSecret: process.env.KVIXI_APP_SECRET,
      baseURL: process.env.KVIXI_BASE_URL,
      callbackURL: '/auth/kvixi/callback',
      store: new KvixiCookieStore({ secret: process.env.KVIXI_COOKIE_SECRET }),
    });
  }

  // Nest calls validate with verify's arguments; what it returns becomes req.user.
  validate(_tokens: KvixiTokens, profile: KvixiProfile) {
    return { id: profile.id, name: profile.displayName };
  }
}

@Controller('auth/kvixi')
class AuthController {
  @Get()
  @UseGuards(KvixiGuard)
  start(): void {} // the guard has redirected to Kvixi

  @Get('callback')
  @UseGuards(KvixiGuard)
  finish(@Req() req: Request) {
    return { user: req.user }; // issue your own token here
  }
}

@Module({ controllers: [AuthController], providers: [KvixiAuthStrategy] })
class AppModule {}

export const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(Number(process.env.PORT ?? 3000));
// #endregion
