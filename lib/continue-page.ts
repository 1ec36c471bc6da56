/**
 * The strategy's one built-in page: a login that a link on another site started goes on only
 * after one click here, so no third party can open a login in a visitor's browser on its own.
 */

/** The part of Node's response the page needs; Express, NestJS and koa-passport all give it. */
interface PageResponse {
  statusCode: number;
  headersSent?: boolean;
  writableEnded?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

type HostRequest = {
  res?: unknown;
  raw?: { socket?: { _httpMessage?: unknown } };
};

const HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Answers the request with the continue page, where the host lets the strategy reach the
 * response; false where it does not (then the strategy fails as before).
 */
export function sendContinuePage(req: HostRequest, continueURL: string): boolean {
  const res = responseOf(req);
  if (!res) return false;
  res.statusCode = 200;
  for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
  res.end(continuePage(continueURL));
  return true;
}

/** Express and koa-passport set `req.res`; Fastify's request only leads to Node's response through its socket. */
function responseOf(req: HostRequest): PageResponse | undefined {
  const candidates = [req.res, fastifyResponse(req)];
  for (const res of candidates) {
    if (isResponse(res) && res.headersSent !== true && res.writableEnded !== true) return res;
  }
  return undefined;
}

function fastifyResponse(req: HostRequest): unknown {
  const raw = req.raw as (object & { socket?: { _httpMessage?: { req?: unknown } } }) | undefined;
  const res = raw?.socket?._httpMessage;
  // Only the response of this very request: on a pipelined connection the socket may still be writing an earlier one.
  return res !== undefined && res.req === raw ? res : undefined;
}

function isResponse(value: unknown): value is PageResponse {
  const res = value as Partial<PageResponse> | null | undefined;
  return typeof res?.setHeader === 'function' && typeof res.end === 'function';
}

function continuePage(continueURL: string): string {
  const href = escapeAttribute(continueURL);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>Continue to log in</title>
<style>
body { font: 1.0625rem/1.5 system-ui, sans-serif; margin: 0; padding: 2rem 1rem; background: Canvas; color: CanvasText; }
main { max-width: 26rem; margin: 10vh auto 0; text-align: center; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; text-wrap: balance; }
p { margin: 0 0 1.5rem; text-wrap: balance; }
a { display: inline-block; padding: .75rem 1.5rem; border-radius: .5rem; background: #1d4ed8; color: #fff; font-weight: 600; text-decoration: none; }
a:hover { background: #1e40af; }
a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 3px; }
</style>
</head>
<body>
<main>
<h1>Continue to log in</h1>
<p>You followed a link to log in with Kvixi.</p>
<a href="${href}">Continue with Kvixi</a>
</main>
</body>
</html>
`;
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
