import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator } from '../../lib/emulator/index.js';

let emu: KvixiEmulator;

beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(() => emu.close());

/** Sends raw bytes and returns the first line of the answer. */
function raw(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(emu.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk.toString('latin1'); });
    socket.on('error', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.setTimeout(2000, () => { socket.destroy(); reject(new Error('no answer')); });
    socket.end(bytes);
  });
}

async function stillServing(): Promise<void> {
  const res = await fetch(`${emu.url}/api/authorize`);
  expect(await res.json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
}

describe('bad input', () => {
  it('answers 413 to a body over 64 KiB, and keeps serving', async () => {
    const res = await fetch(`${emu.url}/api/authorize`, { method: 'POST', body: new URLSearchParams({ app_id: 'x'.repeat(70 * 1024) }) });
    expect(res.status).toBe(413);
    await stillServing();
  });

  it('answers 413 to an oversized body sent in chunks without a length', async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('a'.repeat(4096)));
        controller.close();
      },
    });
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', body: chunks, duplex: 'half', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    } as RequestInit);
    expect(res.status).toBe(413);
    await stillServing();
  });

  it('takes a 10 000-character parameter as any other value', async () => {
    const res = await fetch(`${emu.url}/api/authorize?app_id=${'9'.repeat(10_000)}&app_secret=x&auth_key=y`);
    expect(await res.json()).toEqual({ error: true, message: "We're sorry, but the application you're trying to use doesn't exist or has been disabled" });
  });

  it('reads app_id[] as a different name, so app_id is missing', async () => {
    const res = await fetch(`${emu.url}/api/authorize?app_id[]=1&app_secret=x&auth_key=y`);
    expect(await res.json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
  });

  it('survives malformed percent-encoding and binary bodies', async () => {
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from([0x25, 0xff, 0x00, 0x3d, 0x26, 0x25, 0x7a]),
    });
    expect(await res.json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
    const page = await fetch(`${emu.url}/api/oauth?app_id=%E0%A4%A`);
    expect(page.status).toBe(200);
    await stillServing();
  });

  it('reads a malformed multipart body as no parameters', async () => {
    const res = await fetch(`${emu.url}/api/authorize`, {
      method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nnot a part',
    });
    expect(await res.json()).toEqual({ error: true, message: 'Bad Request, invalid app_id' });
    await stillServing();
  });

  it('answers an HTML 404 for unknown paths', async () => {
    const res = await fetch(`${emu.url}/wp-admin/../etc/passwd`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('404 Not Found');
  });

  it('answers 405 to GET on a form-only path', async () => {
    expect((await fetch(`${emu.url}/signin`)).status).toBe(405);
  });

  it('answers 400 to a request that is not HTTP, and keeps serving', async () => {
    expect(await raw('HELLO THERE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    await stillServing();
  });

  it('answers 431 to oversized headers, and keeps serving', async () => {
    expect(await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    await stillServing();
  });

  it('keeps serving after a client disconnects mid-body', async () => {
    await raw('POST /api/authorize HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\napp_id=1');
    await stillServing();
  });
});

describe('close()', () => {
  it('ends idle keep-alive connections at once', async () => {
    await fetch(`${emu.url}/`).then((r) => r.text());
    const started = performance.now();
    await emu.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(fetch(`${emu.url}/`)).rejects.toThrow();
  });

  it('ends a connection that never finishes its request', async () => {
    const socket = connect(emu.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /api/authorize HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await emu.close();
    await closed;
  });
});

describe('startEmulator options', () => {
  it('refuses nonsense with a TypeError naming the option', async () => {
    await expect(startEmulator({ port: -1 })).rejects.toThrow(/port/);
    await expect(startEmulator({ accessTokenTTL: 0 })).rejects.toThrow(/accessTokenTTL/);
    await expect(startEmulator({ authorizeMethods: ['PUT' as 'GET'] })).rejects.toThrow(/authorizeMethods/);
  });

  it('refuses a port already in use', async () => {
    await expect(startEmulator({ port: emu.port })).rejects.toThrow(/EADDRINUSE/);
  });
});
