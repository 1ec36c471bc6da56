import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonEncode } from './php.js';

/** Reading requests and writing replies the way PHP and Sngine do. */

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Reads the whole body, refusing more than `limit` bytes. A callback, not a promise: this is the hot path. */
export function readBody(req: IncomingMessage, limit: number, done: (error: Error | undefined, body?: Buffer) => void): void {
  if (Number(req.headers['content-length']) > limit) return done(new BodyTooLarge());
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size <= limit) return void chunks.push(chunk);
    req.off('data', onData);
    req.off('end', onEnd);
    req.resume();
    done(new BodyTooLarge());
  };
  const onEnd = (): void => done(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  req.on('data', onData);
  req.on('end', onEnd);
  req.once('error', (error) => done(error));
}

/**
 * PHP fills `$_POST` only for a POST with a form body, url-encoded or multipart; anything else
 * (JSON, a GET with a body, a malformed multipart body) reads as no parameters.
 */
export function formParams(req: IncomingMessage, body: Buffer): URLSearchParams | Promise<URLSearchParams | undefined> | undefined {
  if (req.method !== 'POST') return undefined;
  const contentType = req.headers['content-type'] ?? '';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(body.toString('utf8'));
  if (type !== 'multipart/form-data') return undefined;
  // Rare enough to take the platform's parser and its promise; uploaded files are ignored.
  return new Response(body, { headers: { 'content-type': contentType } }).formData().then(
    (data) => {
      const params = new URLSearchParams();
      data.forEach((value, name) => {
        if (typeof value === 'string') params.append(name, value);
      });
      return params;
    },
    () => undefined,
  );
}

/** PHP keeps the last of repeated parameters (`a=1&a=2` reads as `2`). */
export function param(params: URLSearchParams | undefined, name: string): string | undefined {
  if (!params) return undefined;
  const all = params.getAll(name);
  return all.length === 0 ? undefined : all[all.length - 1];
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Sngine's API answers everything, errors included, with HTTP 200 and PHP-encoded JSON. */
export function sendJson(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendApiError(res: ServerResponse, message: string): void {
  sendJson(res, jsonEncode({ error: true, message }));
}

export function sendHtml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** Every run beyond visible ASCII as UTF-8 percent-escapes (a lone surrogate as U+FFFD), as a browser sends it. */
const percentEncode = (run: string): string =>
  [...Buffer.from(run, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** A 302; a Location beyond Latin-1 (`/€`, U+2028) would make Node throw, so it is percent-encoded first. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { Location: location.replace(/[^\x21-\x7e]+/g, percentEncode), 'Content-Length': 0, 'Cache-Control': 'no-store', ...headers });
  res.end();
}

export function sendText(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=UTF-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * True for a request that a page on another origin made a browser send. Browsers mark those with
 * `Sec-Fetch-Site` and, for every POST, `Origin`; clients that are not browsers send neither.
 */
export function fromAnotherOrigin(req: IncomingMessage): boolean {
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const origin = req.headers.origin;
  return origin !== undefined && origin !== `http://${req.headers.host ?? ''}`;
}

/** Compares a secret without leaking through timing how much of it matched, or how long it is. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
