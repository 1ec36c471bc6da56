import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHTTPServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHTTPSServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KvixiClient, KvixiError } from '../lib/index.js';
import { withDeadline } from './support/deadline.js';

// Without a `fetch` option the client talks to Kvixi over node:http(s), as passport-oauth2 does
// (Node's fetch costs about twice the CPU per request). These run it against real servers on
// loopback: the same answers as through fetch, the cap, the timeout and a dropped connection
// end the request and its socket, and TLS is verified.

const APP_ID = '1732698123456';
const APP_SECRET = '0f3c9a1b2c3d4e5f60718293a4b5c6d7';
const AUTH_KEY = '5d41402abc4b2a76b9719d911017c592';
const CAP = 1024 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));

type Handler = (req: IncomingMessage & { body: string }, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A loopback server; `closed` counts the connections that ended. */
async function serve(handler: Handler, server: Server = createHTTPServer()) {
  const seen = { closed: 0, requests: [] as Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> };
  server.on('connection', (socket: Socket) => socket.on('close', () => seen.closed++));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(Object.assign(req, { body }), res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, seen };
}

function client(port: number, options: { timeout?: number; scheme?: 'http' | 'https' } = {}) {
  const { timeout = 10_000, scheme = 'http' } = options;
  return new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: `${scheme}://127.0.0.1:${port}`, timeout });
}

async function rejection(promise: Promise<unknown>): Promise<KvixiError> {
  try {
    await withDeadline(promise, 5_000, 'the request');
  } catch (err) {
    expect(err).toBeInstanceOf(KvixiError);
    return err as KvixiError;
  }
  throw new Error('expected the request to fail');
}

const json = (res: ServerResponse, body: string, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(body);

describe('requests over node:http', () => {
  it('sends the exchange as a form POST with its length, then get_user_info as a GET, and reads both replies', async () => {
    const { port, seen } = await serve((req, res) =>
      req.url?.startsWith('/api/authorize') ? json(res, '{"access_token":"tok"}') : json(res, '{"user_info":{"user_id":"5","user_name":"jane"}}'),
    );
    const kvixi = client(port);
    const { accessToken } = await kvixi.exchangeAuthKey(AUTH_KEY);
    expect(accessToken).toBe('tok');
    expect((await kvixi.getUserInfo(accessToken)).user_name).toBe('jane');
    const [exchange, userInfo] = seen.requests;
    expect(exchange).toMatchObject({ method: 'POST', url: '/api/authorize' });
    expect(Object.fromEntries(new URLSearchParams(exchange?.body))).toEqual({ app_id: APP_ID, app_secret: APP_SECRET, auth_key: AUTH_KEY });
    expect(exchange?.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      'content-length': String(Buffer.byteLength(exchange?.body ?? '')),
      accept: 'application/json',
      'user-agent': 'passport-kvixi',
    });
    expect(userInfo).toMatchObject({ method: 'GET', url: '/api/get_user_info?access_token=tok' });
  });

  it('keeps the path of a site that lives under one (a baseURL with a path)', async () => {
    const { port, seen } = await serve((_req, res) => json(res, '{"access_token":"t"}'));
    const kvixi = new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: `http://127.0.0.1:${port}/community/` });
    await kvixi.exchangeAuthKey(AUTH_KEY);
    expect(seen.requests.map((request) => request.url)).toEqual(['/community/api/authorize']);
  });

  it('decodes the text as fetch does: a leading BOM dropped, invalid UTF-8 as U+FFFD', async () => {
    const { port } = await serve((_req, res) =>
      res.writeHead(200).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"access_token":"t'), Buffer.from([0xff]), Buffer.from('"}')])),
    );
    expect((await client(port).exchangeAuthKey(AUTH_KEY)).accessToken).toBe('t\uFFFD');
  });

  it('decompresses a reply the server gzipped without being asked', async () => {
    const { port, seen } = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"access_token":"zipped"}')));
    expect((await client(port).exchangeAuthKey(AUTH_KEY)).accessToken).toBe('zipped');
    expect(seen.requests[0]?.headers['accept-encoding']).toBeUndefined();
  });

  it('reads the encoding and a redirect\'s Location whatever their case, as res.headers would give them', async () => {
    const zipped = await serve((_req, res) => res.writeHead(200, [['Content-Encoding', ' GZIP ']]).end(gzipSync('{"access_token":"upper"}')));
    expect((await client(zipped.port).exchangeAuthKey(AUTH_KEY)).accessToken).toBe('upper');
    // Two lines are one value Node joins with a comma (`identity, gzip`): no encoding it knows, so read as sent.
    const twice = await serve((_req, res) => res.writeHead(200, [['content-encoding', 'identity'], ['Content-Encoding', 'gzip']]).end('{"access_token":"plain"}'));
    expect((await client(twice.port).exchangeAuthKey(AUTH_KEY)).accessToken).toBe('plain');
    // Node keeps the first of two Location lines.
    const moved = await serve((_req, res) => res.writeHead(301, [['LOCATION', 'https://first.test/'], ['location', 'https://second.test/']]).end());
    const err = await rejection(client(moved.port).exchangeAuthKey(AUTH_KEY));
    expect(err.message).toContain('a redirect to https://first.test/');
    expect(err.message).not.toContain('second.test');
  });

  it('follows no redirect', async () => {
    const { port, seen } = await serve((_req, res) => res.writeHead(302, { location: 'https://elsewhere.test/api/authorize' }).end());
    const err = await rejection(client(port).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(err.message).toContain('a redirect to https://elsewhere.test/api/authorize');
    expect(seen.requests).toHaveLength(1);
  });

  it('stops reading past 1 MiB and closes the connection', async () => {
    const { port, seen } = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x7b);
      let sent = 0;
      const more = () => {
        while (sent < 20 * CAP && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const err = await rejection(client(port).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(err.message).toMatch(/larger than 1048576 bytes/);
    await withDeadline((async () => {
      while (seen.closed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    })(), 2_000, 'the connection to close');
  });

  it('closes the connection at once when a gzipped body turns out corrupt before its end', async () => {
    const { port, seen } = await serve((_req, res) => {
      // Not gzip at all, and more to come: left open, the connection would wait for the rest forever.
      res.writeHead(200, { 'content-encoding': 'gzip' }).write(Buffer.alloc(64, 0x41));
    });
    const err = await rejection(client(port).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_FETCH');
    expect(err.message).not.toContain(APP_SECRET);
    await withDeadline((async () => {
      while (seen.closed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    })(), 2_000, 'the connection to close');
  });

  it('closes the connection when a compressed body ends before the reply does, rather than reading the rest forever', async () => {
    for (const [encoding, compress] of [['deflate', deflateSync], ['br', brotliCompressSync], ['gzip', gzipSync]] as const) {
      const { port, seen } = await serve((_req, res) => {
        // The whole JSON, then bytes after the stream's end, and a reply the server never finishes.
        res.writeHead(200, { 'content-encoding': encoding }).write(Buffer.concat([compress('{"access_token":"early"}'), Buffer.alloc(8)]));
        const more = setInterval(() => {
          if (res.destroyed) return clearInterval(more);
          res.write(Buffer.alloc(1024));
        }, 5);
        res.on('close', () => clearInterval(more));
      });
      expect((await withDeadline(client(port, { timeout: 5_000 }).exchangeAuthKey(AUTH_KEY), 2_000, encoding)).accessToken).toBe('early');
      await withDeadline((async () => {
        while (seen.closed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      })(), 2_000, `the ${encoding} connection to close`);
    }
  });

  it('counts the decompressed bytes: a small gzip of 16 MiB is refused', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * CAP, 0x20));
    expect(bomb.length).toBeLessThan(CAP);
    const { port } = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb));
    const err = await rejection(client(port).exchangeAuthKey(AUTH_KEY));
    expect(err.message).toMatch(/larger than 1048576 bytes/);
  });

  it('ends in ERR_KVIXI_TIMEOUT when the body stalls, and closes the connection', async () => {
    const { port, seen } = await serve((_req, res) => res.writeHead(200).write('{"access_token":'));
    const started = Date.now();
    const err = await rejection(client(port, { timeout: 200 }).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    await withDeadline((async () => {
      while (seen.closed === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    })(), 2_000, 'the connection to close');
  });

  it('ends in ERR_KVIXI_FETCH, at once, when the server drops the connection mid-body', async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' }).write('{"access_token":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const started = Date.now();
    const err = await rejection(client(port).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_FETCH');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.message).not.toContain(APP_SECRET);
  });

  // In a child process: a timer left armed for a request that never went out would throw there
  // as an uncaught exception, which ends the process.
  const wrapped = (how: 'agent' | 'headers') => {
    const output = execFileSync(join(root, 'node_modules/.bin/tsx'), ['test/support/wrapped-http-request.ts', how], {
      cwd: root, encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(output.trim().split('\n').pop() ?? '') as Record<string, { ok?: unknown; code?: string; message?: string }>;
  };

  it('rejects a request http.request refuses at once (an agent that throws) with ERR_KVIXI_FETCH, and leaves no timer behind', () => {
    const results = wrapped('agent');
    for (const result of [results.exchange, results.userInfo]) {
      expect(result?.code).toBe('ERR_KVIXI_FETCH');
      expect(result?.message).toContain('proxy misconfigured');
      expect(result?.message).not.toContain(APP_SECRET);
    }
  });

  it('works under a wrapper of http.request that adds its own header to every request, a GET\'s too', () => {
    const results = wrapped('headers');
    expect(results.exchange?.ok).toMatchObject({ accessToken: 'tok' });
    expect(results.userInfo?.ok).toBe('abc');
  });

  it('names a refused connection without the secret', async () => {
    const { port } = await serve(() => undefined);
    servers[0]?.close();
    servers[0]?.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const err = await rejection(client(port).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_FETCH');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify([err.message, String(err.stack), String((err.cause as Error | undefined)?.message)])).not.toContain(APP_SECRET);
  });

  it('uses a global fetch that replaced the built-in one after the module loaded (a test stub), as before', async () => {
    const stub = vi.fn(async () => new Response('{"access_token":"stubbed"}', { status: 200 }));
    vi.stubGlobal('fetch', stub);
    expect((await new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: 'https://kvixi.test' }).exchangeAuthKey(AUTH_KEY)).accessToken).toBe('stubbed');
    expect(stub).toHaveBeenCalledTimes(1);
  });
});

describe('requests over node:https', () => {
  it('refuses a certificate nobody trusts, with ERR_KVIXI_FETCH naming why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvixi-tls-'));
    let key: Buffer;
    let cert: Buffer;
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      key = readFileSync(join(dir, 'key.pem'));
      cert = readFileSync(join(dir, 'cert.pem'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const { port, seen } = await serve((_req, res) => json(res, '{"access_token":"t"}'), createHTTPSServer({ key, cert }));
    const err = await rejection(client(port, { scheme: 'https' }).exchangeAuthKey(AUTH_KEY));
    expect(err.code).toBe('ERR_KVIXI_FETCH');
    expect(err.message).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT|self-signed/);
    expect(seen.requests).toEqual([]);
  });
});
