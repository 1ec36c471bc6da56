import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** What a request to the provider needs of a transport. */
export interface ProviderRequest {
  method: 'GET' | 'POST';
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
  /** Most bytes of body to read (after decompression); past it the reply is dropped with `tooLarge()`. */
  maxBytes: number;
  tooLarge(status: number): Error;
  /** Milliseconds the whole request may take, the body's reading included. */
  timeout: number;
  /** Set by the transport when the timeout ended the request. */
  timedOut: boolean;
}

/** Where requests go: parsed once per client, so no request parses its URL again. */
export interface NodeSite {
  secure: boolean;
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The site's own path (a Sngine site under `/community`), without the trailing slash. */
  pathPrefix: string;
}

export function nodeSite(baseURL: string): NodeSite {
  const url = new URL(baseURL);
  return {
    secure: url.protocol === 'https:',
    protocol: url.protocol,
    // node:http wants an IPv6 host without its brackets.
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? undefined : Number(url.port),
    pathPrefix: url.pathname.replace(/\/+$/, ''),
  };
}

/** What a request is rejected with at its timeout, as `AbortSignal.timeout` would abort it. */
export function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/** A reply as it came: the status, a redirect's Location, the body's text. */
export interface ProviderReply {
  status: number;
  location: string | null;
  text: string;
}

const utf8 = new TextDecoder();

/**
 * One request over node:http or node:https with the global agents (keep-alive, the system's CAs
 * plus NODE_EXTRA_CA_CERTS), as passport-oauth2 makes its requests: no redirect is followed,
 * the body is counted as it arrives and decompressed if the server compressed it anyway.
 * Node's fetch would cost about twice the CPU per request for the same exchange.
 */
export function nodeRequest(site: NodeSite, path: string, request: ProviderRequest): Promise<ProviderReply> {
  return new Promise<ProviderReply>((resolve, reject) => {
    const { body: form } = request;
    // A copy each time, a GET's too: instrumentation that wraps http.request may add its own headers to it.
    const headers: Record<string, string> = { ...request.headers };
    if (form !== undefined) headers['content-length'] = String(Buffer.byteLength(form));
    const options = { protocol: site.protocol, hostname: site.hostname, port: site.port, path: `${site.pathPrefix}${path}`, method: request.method, headers };
    // Thrown at once (an agent's createConnection, a wrapper): rejected before any timer is armed.
    const req = (site.secure ? https : http).request(options);
    let settled = false;
    // One timer for the whole request: the response and its body, however slowly they come.
    const timer = setTimeout(() => {
      request.timedOut = true;
      failAndClose(timeoutReason());
    }, request.timeout);
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    // The timeout, the cap, a corrupt compressed body: the connection goes too, not back to the pool with the rest unread.
    const failAndClose = (err: unknown) => {
      fail(err);
      req.destroy();
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // Read off rawHeaders: `res.headers` builds an object of every header on first use.
      const location = status >= 300 && status < 400 ? (rawHeader(res.rawHeaders, 'location', false) ?? null) : null;
      const body = decoded(res, rawHeader(res.rawHeaders, 'content-encoding', true));
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxBytes) return failAndClose(request.tooLarge(status));
        chunks.push(chunk);
      });
      body.on('end', () => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve({ status, location, text: size === 0 ? '' : utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)) });
        }
        // A compressed body can end before the reply does (bytes after the stream's end, a reply
        // never finished): the rest is not read, and the connection goes with it.
        if (body !== res && !res.complete) req.destroy();
      });
      body.on('error', failAndClose);
      // A connection closed before the body's end: Node says `aborted`, or nothing at all.
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('the connection closed before the reply ended'), { code: 'ECONNRESET' }));
      });
    });
    req.end(form);
  });
}

/**
 * A header's value as `res.headers` gives it: the first line's for a header Node keeps once
 * (`location`), else every line's joined with `, ` (`content-encoding`).
 */
function rawHeader(raw: readonly string[], name: string, joined: boolean): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const field = raw[i] as string;
    if (field.length !== name.length || field.toLowerCase() !== name) continue;
    const line = raw[i + 1] as string;
    if (!joined) return line;
    value = value === undefined ? line : `${value}, ${line}`;
  }
  return value;
}

/** The body as sent, or decompressed when a server compressed it without being asked (as fetch would). */
function decoded(res: http.IncomingMessage, encoding: string | undefined): Readable {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(zlib.createGunzip());
    case 'deflate':
      return res.pipe(zlib.createInflate());
    case 'br':
      return res.pipe(zlib.createBrotliDecompress());
    default:
      return res;
  }
}
