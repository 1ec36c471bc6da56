import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { watchApiCall } from './api-calls.js';
import { adminRefusal } from './access.js';
import { authorize } from './authorize.js';
import { DataFileBusy, retryWhileBusy } from './data-file.js';
import { handleControl, isControlPath, refuse, type Control } from './control.js';
import { appsDashboard, homePage, refuseDashboard } from './dashboard.js';
import { proxyErrorPage, type EmulatorFault, type FaultEndpoint, type FaultQueue } from './faults.js';
import { defaultAvatarSvg, faviconPng, uploadedPictureSvg } from './images.js';
import { messages } from './messages.js';
import { oauthPage, refusedFromAnotherOrigin, signIn, signOut, signUp } from './oauth-pages.js';
import { sendErrorPage, sendNotFound } from './pages.js';
import { profilePage } from './profile-page.js';
import type { RequestLog } from './request-log.js';
import type { Site } from './site.js';
import {
  BodyTooLarge, formParams, readBody, sendApiError, sendJson, sendText,
} from './transport.js';
import { getUserInfo } from './user-info.js';

// HTTP routing, fault injection, the request log, and closing every connection on demand.

export interface ServerParts {
  site: Site;
  faults: FaultQueue;
  log: RequestLog;
  /** Largest request body accepted, in bytes; more answers 413. */
  bodyLimit: number;
  /** The HTTP control API under `/__emulator/`. */
  control: Control;
}

export interface RunningServer {
  server: Server;
  close(): Promise<void>;
}

interface Incoming {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams | undefined;
}

/** Sngine's default avatars: `.png` in their URLs, as `profile_picture` names them, SVG in their bytes. */
const avatarPaths = new Set([
  '/content/themes/default/images/blank_profile_male.png',
  '/content/themes/default/images/blank_profile_female.png',
]);

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendText(res, 405, 'Method Not Allowed\n');
}

/** Sngine routes `api/{name}/?` to its API script. */
function apiName(path: string): string | undefined {
  const match = /^\/api(?:\/([^/]*))?\/?$/.exec(path);
  return match ? (match[1] ?? '') : undefined;
}

function route(parts: ServerParts, { req, res, path, query, form }: Incoming): void {
  const { site } = parts;
  const api = apiName(path);
  if (api !== undefined) {
    switch (api) {
      case 'oauth':
        return oauthPage(site, req, res, query, form);
      case 'authorize':
        return sendJson(res, authorize(site, query, form));
      case 'get_user_info':
        return sendJson(res, getUserInfo(site, query));
      default:
        return sendApiError(res, messages.invalidParameters);
    }
  }
  if (path === '/signin' || path === '/signup' || path === '/signout') {
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    const title = path === '/signin' ? 'Sign in' : path === '/signup' ? 'Create a test user' : 'Sign out';
    if (refusedFromAnotherOrigin(site, req, res, title)) return;
    if (path === '/signin') return signIn(site, res, form);
    if (path === '/signup') return signUp(site, res, form);
    return signOut(site, req, res, form);
  }
  if (path === '/developers/apps' || path === '/developers/apps/') {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return methodNotAllowed(res, 'GET, POST');
    // It shows every app_secret: the control API's rules, not a public page's.
    const refused = adminRefusal(parts.control, req);
    if (refused) return refuseDashboard(site, res, refused);
    return appsDashboard(site, req, res, form);
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (path === '/') return homePage(site, req, res);
    if (path === '/favicon.ico') return sendBytes(res, faviconPng, 'image/png');
    if (path.startsWith('/content/uploads/')) return sendText(res, 200, uploadedPictureSvg, 'image/svg+xml');
    if (avatarPaths.has(path)) return sendText(res, 200, defaultAvatarSvg, 'image/svg+xml');
    if (profilePage(site, req, res, path)) return;
  }
  sendNotFound(site, res);
}

function sendBytes(res: ServerResponse, bytes: Buffer, contentType: string): void {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(bytes);
}

function faultEndpoint(path: string): FaultEndpoint | undefined {
  const api = apiName(path);
  return api === 'oauth' || api === 'authorize' || api === 'get_user_info' ? api : undefined;
}

export function startServer(parts: ServerParts, port: number, host: string): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const delays = new Map<NodeJS.Timeout, () => void>();
  let closing: Promise<void> | undefined;

  /** Answers with the fault, or returns false when the normal answer should follow. */
  async function applyFault(incoming: Incoming, endpoint: FaultEndpoint, fault: EmulatorFault): Promise<boolean> {
    const { res } = incoming;
    switch (fault.type) {
      case 'error':
        if (endpoint === 'oauth') sendErrorPage(parts.site, res, fault.message);
        else sendApiError(res, fault.message);
        return true;
      case 'http':
        sendText(res, fault.status, fault.body ?? (fault.status >= 400 ? proxyErrorPage(fault.status) : ''), fault.contentType ?? 'text/html; charset=UTF-8');
        return true;
      case 'hang':
        // Never answered: close() destroys the socket.
        return true;
      case 'delay':
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            delays.delete(timer);
            resolve();
          }, fault.ms);
          delays.set(timer, resolve);
        });
        return closing !== undefined;
    }
  }

  function fail(res: ServerResponse): void {
    // A bug in one handler must not take the emulator down: answer 500 and keep serving.
    if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n');
    else res.destroy();
  }

  /**
   * Runs a handler; one that met another emulator's lock on the data file (before answering) runs
   * again a few milliseconds later, so no request freezes the others, up to a bound.
   */
  function whenUnlocked(res: ServerResponse, handler: () => void, unavailable: (message: string) => void): void {
    try {
      return handler();
    } catch (error) {
      if (!(error instanceof DataFileBusy) || res.headersSent) throw error;
    }
    retryWhileBusy(handler).catch((error: unknown) => {
      if (res.headersSent) return fail(res);
      unavailable(error instanceof Error ? error.message : 'the data file stayed locked');
    });
  }

  const pageUnavailable = (res: ServerResponse) => (): void => {
    res.setHeader('Retry-After', '1');
    sendText(res, 503, "Service Unavailable: the emulator's data file stayed locked by another process; try again.\n");
  };

  function respond(incoming: Incoming): void {
    const { req, path, query, form, res } = incoming;
    const received = { time: parts.site.store.now(), method: req.method ?? 'GET', path, query, form };
    parts.log.add(received);
    const endpoint = faultEndpoint(path);
    const fault = endpoint && parts.faults.take(endpoint);
    const api = apiName(path);
    if (api !== undefined) watchApiCall(api, received, res, fault !== undefined);
    if (!endpoint || !fault) return whenUnlocked(res, () => route(parts, incoming), pageUnavailable(res));
    applyFault(incoming, endpoint, fault).then(
      (answered) => answered || route(parts, incoming),
      () => fail(res),
    ).catch(() => fail(res));
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string): void {
    const unavailable = (message: string): void => refuse(res, 503, message, { 'Retry-After': '1' });
    if (!hasBody(req)) return whenUnlocked(res, () => handleControl(parts.control, req, res, path, undefined), unavailable);
    readBody(req, parts.bodyLimit, (error, body) => {
      if (error instanceof BodyTooLarge) {
        return refuse(res, 413, `the body is larger than ${parts.bodyLimit} bytes`, { Connection: 'close' });
      }
      if (error) return void res.destroy();
      try {
        whenUnlocked(res, () => handleControl(parts.control, req, res, path, body), unavailable);
      } catch {
        fail(res);
      }
    });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    // Control calls skip the request log and fault injection: they are the test's, not the app's.
    if (isControlPath(path)) return control(req, res, path);
    const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
    if (!hasBody(req)) return respond({ req, res, path, query, form: undefined });
    readBody(req, parts.bodyLimit, (error, body) => {
      if (error instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendText(res, 413, 'Request Entity Too Large\n');
      }
      if (error) return void res.destroy();
      try {
        const form = formParams(req, body!);
        if (!(form instanceof Promise)) return respond({ req, res, path, query, form });
        form.then((parsed) => respond({ req, res, path, query, form: parsed })).catch(() => fail(res));
      } catch {
        fail(res);
      }
    });
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    try {
      handle(req, res);
    } catch {
      fail(res);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const [timer, release] of delays) {
              clearTimeout(timer);
              release();
            }
            delays.clear();
            // Keep-alive and hung connections would hold server.close() open forever.
            for (const socket of sockets) socket.destroy();
          });
          return closing;
        },
      });
    });
  });
}
