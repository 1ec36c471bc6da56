import { createHash } from 'node:crypto';
import type { KvixiPendingLoginContext, KvixiRequest } from './pending-login.js';

/**
 * Reading and setting the strategy's own cookies (the cookie store's, the browser binding's) on
 * whichever host made the request: Express and NestJS (`req.res`), koa-passport (`req.ctx`),
 * @fastify/passport (the Node response behind `req.raw`).
 */

/** What a cookie writer reads and writes besides the request's headers. */
export type CookieRequest = KvixiRequest & {
  secure?: boolean;
  protocol?: string;
  socket?: { encrypted?: boolean };
  res?: {
    headersSent?: boolean;
    getHeader?: (name: string) => number | string | string[] | undefined;
    setHeader?: (name: string, value: string | string[]) => unknown;
  };
};

const DEFAULT_KEY = 'passport-kvixi:kvixi';

/** Https as the host sees it: `req.secure`/`req.protocol` honour a trusted proxy (Express, Koa, Fastify). */
export function isHttps(req: CookieRequest): boolean {
  return req.secure === true || req.protocol === 'https' || req.socket?.encrypted === true;
}

/**
 * One cookie per strategy name: `base` for the default strategy, a suffix for others, so two
 * strategies (two Sngine sites) never read each other's cookies; `__Host-` in front when secure.
 */
export function cookieNameFor(base: string, secure: boolean, context: KvixiPendingLoginContext): string {
  const name = context.key === DEFAULT_KEY ? base : `${base}-${shortHash(context.key)}`;
  return secure ? `__Host-${name}` : name;
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 8);
}

/** The value of the first cookie of that name in a Cookie header. */
export function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  // Walks the pairs in place: on every request, an array of every cookie of the app's costs more than the lookup.
  // The next `=` is searched for again only once the walk has passed it, so the walk stays linear
  // however many pairs have none.
  let at = -1;
  for (let start = 0; start < text.length; ) {
    if (at < start) {
      at = text.indexOf('=', start);
      if (at === -1) return undefined;
    }
    const semicolon = text.indexOf(';', start);
    const end = semicolon === -1 ? text.length : semicolon;
    if (at < end && text.slice(start, at).trim() === name) return text.slice(at + 1, end).trim();
    start = end + 1;
  }
  return undefined;
}

/** Where a host lets us set a header. */
interface HeaderTarget {
  get(): string[];
  set(values: string[]): void;
}

/** Node's ServerResponse, as much of it as we use. */
interface NodeResponse {
  req?: unknown;
  headersSent?: boolean;
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: string | string[]): unknown;
  writeHead(...args: unknown[]): unknown;
}

function headerTarget(req: CookieRequest, owner: string): HeaderTarget | undefined {
  const res = req.res;
  if (res && typeof res.getHeader === 'function' && typeof res.setHeader === 'function') {
    if (res.headersSent) throw new Error(`${owner} cannot set its cookie: the response headers were already sent`);
    return {
      get: () => asList(res.getHeader?.('Set-Cookie')),
      set: (values) => res.setHeader?.('Set-Cookie', values),
    };
  }
  // koa-passport's req.res can only replace a header; its Koa context can read one too.
  const ctx = (req as { ctx?: { set?: unknown; response?: { get?: unknown } } }).ctx;
  if (ctx && typeof ctx.set === 'function' && typeof ctx.response?.get === 'function') {
    const set = ctx.set as (name: string, value: string[]) => void;
    const get = ctx.response.get as (name: string) => unknown;
    return {
      get: () => asList(get.call(ctx.response, 'Set-Cookie')),
      set: (values) => set.call(ctx, 'Set-Cookie', values),
    };
  }
  const fastify = fastifyResponse(req);
  if (fastify) {
    if (fastify.headersSent) throw new Error(`${owner} cannot set its cookie: the response headers were already sent`);
    keepOurCookiesAtWriteHead(fastify);
    return {
      get: () => asList(fastify.getHeader('Set-Cookie')),
      set: (values) => {
        fastify.setHeader('Set-Cookie', values);
        ourCookies.set(fastify, values);
      },
    };
  }
  return undefined;
}

/**
 * @fastify/passport hands a strategy Fastify's request, whose `raw` is Node's request; Node keeps
 * the response being written on the socket. Only that response if it is this request's own (a
 * pipelined request's response waits in a queue while an earlier one holds the socket).
 */
function fastifyResponse(req: CookieRequest): NodeResponse | undefined {
  const raw = (req as { raw?: { socket?: { _httpMessage?: unknown } } }).raw;
  const res = raw?.socket?._httpMessage as Partial<NodeResponse> | null | undefined;
  if (
    res &&
    res.req === raw &&
    typeof res.getHeader === 'function' &&
    typeof res.setHeader === 'function' &&
    typeof res.writeHead === 'function'
  ) {
    return res as NodeResponse;
  }
  return undefined;
}

/** The Set-Cookie lines a Fastify response must keep, whatever Fastify's own headers say. */
const ourCookies = new WeakMap<NodeResponse, string[]>();
const merging = Symbol('passport-kvixi keeps its cookies');

/**
 * Fastify writes its reply's headers with `writeHead(status, headers)`, where a `set-cookie` of its
 * own (the session's) replaces one set earlier with `setHeader`: merge ours in at that moment.
 */
function keepOurCookiesAtWriteHead(res: NodeResponse): void {
  const marked = res as NodeResponse & { [merging]?: true };
  if (marked[merging]) return;
  marked[merging] = true;
  const writeHead = res.writeHead;
  res.writeHead = function (this: NodeResponse, ...args: unknown[]) {
    const ours = ourCookies.get(res) ?? [];
    const at = args.findIndex((arg, index) => index > 0 && arg !== null && typeof arg === 'object');
    const headers = args[at] as Record<string, unknown> | undefined;
    if (ours.length > 0 && headers && !Array.isArray(headers)) {
      const key = Object.keys(headers).find((name) => name.toLowerCase() === 'set-cookie');
      if (key !== undefined) {
        const names = new Set(ours.map((line) => line.slice(0, line.indexOf('=') + 1)));
        const theirs = asList(headers[key]).filter((line) => ![...names].some((name) => line.startsWith(name)));
        const merged = [...new Set([...theirs, ...ours])];
        args[at] = { ...headers, [key]: merged };
      }
    }
    return writeHead.apply(this, args);
  };
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null || value === '' ? [] : [String(value)];
}

/**
 * Sets a cookie of ours, replacing an earlier value of that name in this response and keeping the
 * app's others. A host that gives no way to set it is a `TypeError` naming `owner`: the
 * protection the cookie gives is never dropped silently.
 */
export function setCookie(req: CookieRequest, owner: string, name: string, cookie: string): void {
  const res = req.res;
  // Express and NestJS, where nothing has set a cookie yet: the one line, without a target to build.
  if (res && typeof res.getHeader === 'function' && typeof res.setHeader === 'function' && !res.headersSent) {
    const earlier = res.getHeader('Set-Cookie');
    if (earlier === undefined) {
      res.setHeader('Set-Cookie', [cookie]);
      return;
    }
  }
  const target = headerTarget(req, owner);
  if (!target) {
    throw new TypeError(
      `${owner} needs the response to set its cookie: req.res (Express), req.ctx (Koa) or req.raw (Fastify, over HTTP/1.1)`,
    );
  }
  target.set([...target.get().filter((line) => !line.startsWith(`${name}=`)), cookie]);
}
