import { randomBytes } from 'node:crypto';
import { connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Authenticator } from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { KvixiStrategy } from '../../lib/index.js';
import { HOST_TEST_TIMEOUT, keepUser } from './contract.js';

// Over HTTP/2, @fastify/passport's request leads to no response the strategy could set its
// browser binding cookie on. A login without that cookie would be open to cookie tossing, so the
// start fails closed, with an error that says why, rather than going on unprotected.

function get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = connect(url);
    client.on('error', reject);
    const stream = client.request({ ':path': path });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => {
        client.close();
        resolve({ status: Number(headers[':status']), body });
      });
    });
    stream.on('error', reject);
    stream.end();
  });
}

describe('the session store on Fastify 5 over HTTP/2 (h2c)', { timeout: HOST_TEST_TIMEOUT }, () => {
  it('answers a start with a clear error instead of a login without its binding cookie', async () => {
    const passport = new Authenticator();
    passport.use(
      new KvixiStrategy({ appId: '1732698123413', appSecret: randomBytes(16).toString('hex'), baseURL: 'http://127.0.0.1:9' }, keepUser),
    );
    const app = Fastify({ http2: true });
    app.register(fastifySecureSession, { key: randomBytes(32), cookie: { path: '/' } });
    app.register(passport.initialize());
    app.register(passport.secureSession());
    // @fastify/passport's types know only HTTP/1.1 servers; at run time its hook takes any request.
    const start = passport.authenticate('kvixi') as unknown as (request: unknown, reply: unknown) => Promise<void>;
    app.get('/auth/kvixi', { preValidation: start }, async () => 'unreached');
    app.setErrorHandler((err: Error, _request, reply) => reply.code(500).send({ error: err.message }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await get(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, '/auth/kvixi');
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body).error).toBe(
        'KvixiSessionStore needs the response to set its cookie: req.res (Express), req.ctx (Koa) or req.raw (Fastify, over HTTP/1.1)',
      );
    } finally {
      await app.close();
    }
  });
});
