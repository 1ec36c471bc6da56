import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Passport } from 'passport';
import { afterAll, describe, expect, it } from 'vitest';
import { KvixiStrategy } from '../../lib/index.js';
import { withDeadline } from '../support/deadline.js';

// A plain node:http server gives the strategy a Node request without Express's req.next or
// req.res. When the app's error handling throws there, the last resort closes the connection
// (the client is not left waiting) and only warns: it is a server, not a test harness, so nothing
// is thrown as an uncaught exception (Vitest would fail this run on one).
const failingStore = {
  add: async () => {
    throw new Error('store down');
  },
  consume: async () => ({ status: 'none' as const }),
  clear: async () => undefined,
};

describe('lastResort on a plain node:http server', () => {
  let server: Server;
  afterAll(() => new Promise((resolve) => server?.close(resolve)));

  it('closes the connection when the custom callback throws the error back', async () => {
    const passport = new Passport();
    passport.use(new KvixiStrategy({ appId: '1', appSecret: 's', store: failingStore }, async () => false));
    server = createServer((req, res) => {
      passport.authenticate('kvixi', (err: unknown) => {
        if (err) throw err;
      })(req, res, () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const outcome = await withDeadline(
        new Promise<string>((resolve) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/auth/kvixi' }, (res) => resolve(`status ${res.statusCode}`));
          req.on('error', (err) => resolve(err.message));
          req.end();
        }),
        3_000,
        'the start',
      );
      expect(outcome).toBe('socket hang up');
      await expect.poll(() => warnings.map((warning) => warning.message)).toContain('store down');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
