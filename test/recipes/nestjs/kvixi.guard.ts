// The guard both NestJS recipes of the README use, compared with it by test/readme-recipes.test.ts.
// #region recipe: nestjs-guard
// kvixi.guard.ts
import { HttpException, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { KvixiInfo } from 'passport-kvixi';

/** AuthGuard('kvixi') that answers with the strategy's failure code, not a bare 401. */
@Injectable()
export class KvixiGuard extends AuthGuard('kvixi') {
  override handleRequest<User>(err: unknown, user: User | false, info?: KvixiInfo, _context?: unknown, status?: number): User {
    if (err) throw err;
    if (user) return user;
    const failure = info && 'code' in info ? info : { message: 'The login was refused.' };
    throw new HttpException(failure, status ?? 401);
  }
}
// #endregion
