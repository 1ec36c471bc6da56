import type { Request } from 'express';
import { Passport } from 'passport';
import { describe, expect, it } from 'vitest';
import { handleAsync } from '../lib/index.js';

// handleAsync routes the rejection of an async function whose promise Passport drops. That the
// process survives such a rejection in a real app is checked in a child process
// (test/custom-callback-rejections.test.ts); here, what reaches next or done.

const settled = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('handleAsync', () => {
  it('hands a rejection to next as that error, and returns nothing for Passport to hand back', async () => {
    const seen: unknown[] = [];
    const failure = new Error('tokens.save failed');
    const callback = handleAsync((err) => seen.push(err), async () => {
      throw failure;
    });
    expect(callback()).toBeUndefined();
    await settled();
    expect(seen).toEqual([failure]);
  });

  it.each([['route'], [0], [undefined]])('wraps a rejection with %s in an Error, so next never takes it for a route skip', async (value) => {
    const seen: unknown[] = [];
    handleAsync((err) => seen.push(err), () => Promise.reject(value))();
    await settled();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(Error);
    expect((seen[0] as Error).cause).toBe(value);
  });

  it('leaves next alone when the callback resolves', async () => {
    const seen: unknown[] = [];
    handleAsync((err) => seen.push(err), async () => 'done')();
    await settled();
    expect(seen).toEqual([]);
  });

  it("hands a rejection of an async serializeUser to Passport's done, so req.logIn reports it", async () => {
    const passport = new Passport();
    passport.serializeUser(
      handleAsync(async () => {
        throw new Error('sessions.save failed');
      }),
    );
    const err = await new Promise((resolve) => passport.serializeUser({ id: '1' } as Express.User, {} as never, resolve));
    expect(err).toEqual(new Error('sessions.save failed'));
  });

  it('keeps the parameter count, so Passport passes the request to a serializeUser of three', async () => {
    const passport = new Passport();
    passport.serializeUser(
      handleAsync(async (req: Request, user: Express.User, done: (err: unknown, id?: string) => void) => {
        done(null, `${req.ip}:${(user as { id: string }).id}`);
      }),
    );
    const id = await new Promise((resolve) =>
      passport.serializeUser({ id: '1' } as Express.User, { ip: '10.0.0.1' } as never, (_err: unknown, value: unknown) => resolve(value)),
    );
    expect(id).toBe('10.0.0.1:1');
  });

  it('refuses, as a TypeError at the call, a callback without next whose last argument is no done', () => {
    const callback = handleAsync(async () => undefined) as unknown as (...args: unknown[]) => void;
    expect(() => callback(null, false, { message: 'refused' })).toThrow(
      new TypeError(
        "handleAsync(callback) hands a rejection to the callback's last argument (Passport's done), but that is no function: use handleAsync(next, callback)",
      ),
    );
  });
});
