import { request as httpRequest, Agent } from 'node:http';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { KvixiStrategy } from '../../lib/index.js';

// On Fastify, when the app's error callback throws after it sent its reply, the strategy's last
// resort must leave that reply and its keep-alive connection alone.
const failingStore = {
  add: async () => { throw new Error('store down'); },
  consume: async () => ({ status: 'none' as const }),
  clear: async () => undefined,
};

describe('lastResort on Fastify after the reply was sent', () => {
  const app = Fastify();
  afterAll(() => app.close());

  it('does not cut off a reply the app already sent', async () => {
    const passport = new Authenticator();
    passport.use(new KvixiStrategy({ appId: '1', appSecret: 's', store: failingStore }, async () => false));
    app.register(fastifySecureSession, { key: randomBytes(32) });
    app.register(passport.initialize());
    app.get('/auth/kvixi', {
      // A synchronous callback: answers, then lets the error escape. (Its types expect a promise.)
      preValidation: passport.authenticate('kvixi', ((_request: FastifyRequest, reply: FastifyReply, err: Error | null) => {
        reply.code(503).header('content-type', 'text/plain').send('x'.repeat(4_000_000));
        if (err) throw err;
      }) as unknown as Parameters<typeof passport.authenticate>[1]),
    }, async () => 'unreachable');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const result = await new Promise<{ status?: number; bytes: number; error?: string }>((resolve) => {
      let bytes = 0;
      let status: number | undefined;
      const req = httpRequest({ host: '127.0.0.1', port, path: '/auth/kvixi', agent }, (res) => {
        status = res.statusCode;
        res.on('data', (c: Buffer) => { bytes += c.length; });
        res.on('end', () => resolve({ status, bytes }));
        res.on('error', (e) => resolve({ status, bytes, error: String(e) }));
        res.on('aborted', () => resolve({ status, bytes, error: 'aborted' }));
      });
      req.on('error', (e) => resolve({ status, bytes, error: String(e) }));
      req.end();
    });
    agent.destroy();
    console.log('client saw:', result);
    expect(result).toEqual({ status: 503, bytes: 4_000_000 });
  });
});
