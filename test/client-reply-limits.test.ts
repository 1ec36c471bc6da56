import { describe, expect, it } from 'vitest';
import { KvixiClient, KvixiError } from '../lib/index.js';

// The 1 MiB cap counts the bytes that actually arrive, whatever the headers say, and a body still
// streaming when the reply is given up (too large, too slow) is cancelled, not left to run.

const APP_ID = '1732698123456';
const APP_SECRET = '0f3c9a1b2c3d4e5f60718293a4b5c6d7';
const AUTH_KEY = '5d41402abc4b2a76b9719d911017c592';
const CAP = 1024 * 1024;
const CHUNK = 64 * 1024;
/** Where a test stream stops on its own, so a client that never stops reading fails instead of filling memory. */
const TEST_BOUND = 20 * 1024 * 1024;

/** A body that streams `chunk` after `chunk` without end (up to TEST_BOUND), counting what it gave and whether it was cancelled. */
function endlessBody() {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= TEST_BOUND) {
        controller.error(new Error(`the client read ${TEST_BOUND} bytes without stopping`));
        return;
      }
      seen.pulled += CHUNK;
      controller.enqueue(new Uint8Array(CHUNK).fill(0x7b));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

/** A body that sends its first bytes, then nothing more, ever. */
function stalledBody() {
  const seen = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"access_token":'));
    },
    pull: () => new Promise<void>(() => undefined),
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

function clientWith(fetchImpl: typeof fetch, timeout = 10_000) {
  return new KvixiClient({ appId: APP_ID, appSecret: APP_SECRET, baseURL: 'https://kvixi.test', fetch: fetchImpl, timeout });
}

async function rejection(promise: Promise<unknown>): Promise<KvixiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(KvixiError);
    return err as KvixiError;
  }
  throw new Error('expected the promise to reject');
}

/** Fails the test, rather than hanging it, when the client never settles. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('a reply that streams more than it declares', () => {
  it.each([
    ['declares 1 MiB', { 'content-length': String(CAP) }],
    ['declares 2 bytes', { 'content-length': '2' }],
    ['declares nothing', {}],
  ])('is cut off at 1 MiB read and cancelled when it %s', async (_case, headers) => {
    const { stream, seen } = endlessBody();
    const lying = (async () => new Response(stream, { status: 200, headers: { 'content-type': 'application/json', ...headers } })) as typeof fetch;
    const err = await within(10_000, rejection(clientWith(lying).exchangeAuthKey(AUTH_KEY)));
    expect(err.code).toBe('ERR_KVIXI_UNEXPECTED_RESPONSE');
    expect(err.message).toMatch(/larger than 1048576 bytes/);
    // What was read stays within the cap, give or take the chunk that crossed it and one queued.
    expect(seen.pulled).toBeLessThanOrEqual(CAP + 2 * CHUNK);
    await tick();
    expect(seen.cancelled).toBe(true);
  });
});

describe('a reply that stalls', () => {
  it('times out with ERR_KVIXI_TIMEOUT and cancels the body it was reading', async () => {
    const { stream, seen } = stalledBody();
    const stalling = (async () => new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    const started = Date.now();
    const err = await within(5_000, rejection(clientWith(stalling, 200).exchangeAuthKey(AUTH_KEY)));
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    await tick();
    expect(seen.cancelled).toBe(true);
  });

  it('times out when a custom fetch ignores the signal, and cancels the body that arrives late', async () => {
    const { stream, seen } = stalledBody();
    let answered = false;
    const deaf = (() =>
      new Promise<Response>((resolve) =>
        setTimeout(() => {
          answered = true;
          resolve(new Response(stream, { status: 200 }));
        }, 400),
      )) as typeof fetch;
    const err = await within(5_000, rejection(clientWith(deaf, 100).exchangeAuthKey(AUTH_KEY)));
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    expect(answered).toBe(false);
    await within(5_000, (async () => {
      while (!seen.cancelled) await tick();
    })());
    expect(answered).toBe(true);
  });

  it('hands the fetch a signal that aborts at the timeout', async () => {
    let signal: AbortSignal | undefined;
    const hanging = ((_url: unknown, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(signal?.reason)));
    }) as typeof fetch;
    const err = await within(5_000, rejection(clientWith(hanging, 100).exchangeAuthKey(AUTH_KEY)));
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    expect(signal?.aborted).toBe(true);
    expect((err.cause as Error).name).toBe('TimeoutError');
  });
});

describe('the signal a custom fetch is handed', () => {
  it('still aborts at the timeout when a wrapper spreads init into its own', async () => {
    let signal: AbortSignal | undefined;
    const wrapper = ((_url: unknown, init?: RequestInit) => {
      const own: RequestInit = { ...init, keepalive: true };
      signal = own.signal ?? undefined;
      return new Promise<Response>((_, reject) => signal?.addEventListener('abort', () => reject(signal?.reason)));
    }) as typeof fetch;
    const err = await within(5_000, rejection(clientWith(wrapper, 100).exchangeAuthKey(AUTH_KEY)));
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    expect(signal?.aborted).toBe(true);
  });

  it('is aborted already when the fetch first reads it after the timeout', async () => {
    let readLate: (() => AbortSignal | null | undefined) | undefined;
    const slow = ((_url: unknown, init?: RequestInit) => {
      readLate = () => init?.signal;
      return new Promise<Response>(() => undefined);
    }) as typeof fetch;
    const err = await within(5_000, rejection(clientWith(slow, 100).exchangeAuthKey(AUTH_KEY)));
    expect(err.code).toBe('ERR_KVIXI_TIMEOUT');
    const signal = readLate?.();
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).name).toBe('TimeoutError');
  });
});

describe('a reply within the cap', () => {
  it('is read in full however many chunks it comes in, multi-byte characters split between them', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ access_token: 'tok-é-'.padEnd(40, 'x') }));
    const split = (async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
            controller.close();
          },
        }),
        { status: 200 },
      )) as typeof fetch;
    const { accessToken } = await clientWith(split).exchangeAuthKey(AUTH_KEY);
    expect(accessToken).toBe('tok-é-'.padEnd(40, 'x'));
  });
});
