import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorFault, FaultEndpoint } from './faults.js';
import type { QueuedLogin } from './login-queue.js';
import type { RecordedRequest } from './request-log.js';
import type { EmulatorApp, EmulatorUser, NewApp, NewUser } from './store.js';
import { adminRefusal, type AdminAccess } from './access.js';
import { DataFileBusy } from './data-file.js';

// The HTTP control API under `/__emulator/`: the in-process API as JSON, for a test suite (or a
// browser test runner, or another language) that did not start the emulator itself.

/** What the control API drives: the in-process API of one running emulator. */
export interface ControlTarget {
  readonly apps: readonly EmulatorApp[];
  readonly users: readonly EmulatorUser[];
  readonly requests: readonly RecordedRequest[];
  reset(): void;
  addUser(user?: NewUser): EmulatorUser;
  deleteUser(userId: string): boolean;
  registerApp(app: NewApp): EmulatorApp;
  issueAuthKey(grant: { appId: string; userId: string }): string;
  enqueueLogin(login: QueuedLogin): void;
  failNext(endpoint: FaultEndpoint, fault: EmulatorFault): void;
  clearFaults(): void;
  revokeApproval(grant?: { appId: string; userId: string }): boolean;
  advance(seconds: number): void;
  now(): number;
  clearRequests(): void;
}

/** Who may use the control API: the same rules as every other page that administers the emulator. */
export type ControlAccess = AdminAccess;

export interface Control extends ControlAccess {
  target: ControlTarget;
}

/** The prefix every control path starts with. */
export const controlPrefix = '/__emulator';

export function isControlPath(path: string): boolean {
  return path === controlPrefix || path.startsWith(`${controlPrefix}/`);
}

/** A caller's mistake: answered 400 (or another 4xx) with this message. */
class ControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

type Body = Record<string, unknown> | undefined;

interface Answer {
  status: number;
  json?: unknown;
}

const done: Answer = { status: 204 };

type FieldType = 'string' | 'number' | 'object';

/** Checks a small body: only these fields, each of its type; `required` ones present. */
function fields(body: Body, types: Record<string, FieldType>, required: readonly string[]): Record<string, unknown> {
  const given = body ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(types, name)) throw new ControlError(400, `unknown field ${name}; expected ${Object.keys(types).join(', ')}`);
  }
  for (const [name, type] of Object.entries(types)) {
    const value = given[name];
    if (value === undefined) {
      if (required.includes(name)) throw new ControlError(400, `${name} is required`);
      continue;
    }
    const ok = type === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value) : typeof value === type;
    if (!ok || (type === 'number' && !Number.isFinite(value))) throw new ControlError(400, `${name} must be ${type === 'object' ? 'an object' : `a ${type}`}`);
  }
  return given;
}

interface Route {
  method: string;
  path: RegExp;
  run(target: ControlTarget, body: Body, match: RegExpExecArray): Answer;
}

const routes: readonly Route[] = [
  { method: 'POST', path: /^\/reset$/, run: (t) => (t.reset(), done) },
  { method: 'GET', path: /^\/users$/, run: (t) => ({ status: 200, json: t.users }) },
  { method: 'POST', path: /^\/users$/, run: (t, body) => ({ status: 201, json: t.addUser(body as NewUser) }) },
  {
    method: 'DELETE',
    path: /^\/users\/([^/]+)$/,
    run: (t, _body, match) => {
      const userId = decodeURIComponent(match[1]!);
      if (!t.deleteUser(userId)) throw new ControlError(404, `no user with userId ${userId}`);
      return done;
    },
  },
  { method: 'GET', path: /^\/apps$/, run: (t) => ({ status: 200, json: t.apps }) },
  { method: 'POST', path: /^\/apps$/, run: (t, body) => ({ status: 201, json: t.registerApp((body ?? {}) as unknown as NewApp) }) },
  {
    method: 'POST',
    path: /^\/auth-keys$/,
    run: (t, body) => {
      const { appId, userId } = fields(body, { appId: 'string', userId: 'string' }, ['appId', 'userId']);
      return { status: 201, json: { authKey: t.issueAuthKey({ appId: appId as string, userId: userId as string }) } };
    },
  },
  {
    method: 'POST',
    path: /^\/logins$/,
    run: (t, body) => {
      const login = fields(body, { userId: 'string', decision: 'string' }, ['userId']);
      t.enqueueLogin(login as unknown as QueuedLogin);
      return done;
    },
  },
  {
    method: 'POST',
    path: /^\/faults$/,
    run: (t, body) => {
      const { endpoint, fault } = fields(body, { endpoint: 'string', fault: 'object' }, ['endpoint', 'fault']);
      t.failNext(endpoint as FaultEndpoint, fault as EmulatorFault);
      return done;
    },
  },
  { method: 'DELETE', path: /^\/faults$/, run: (t) => (t.clearFaults(), done) },
  { method: 'GET', path: /^\/clock$/, run: (t) => ({ status: 200, json: { now: t.now() } }) },
  {
    method: 'POST',
    path: /^\/clock$/,
    run: (t, body) => {
      const { advance } = fields(body, { advance: 'number' }, ['advance']);
      t.advance(advance as number);
      return { status: 200, json: { now: t.now() } };
    },
  },
  { method: 'GET', path: /^\/requests$/, run: (t) => ({ status: 200, json: t.requests }) },
  { method: 'DELETE', path: /^\/requests$/, run: (t) => (t.clearRequests(), done) },
  {
    method: 'DELETE',
    path: /^\/approvals$/,
    run: (t, body) => {
      if (body === undefined) {
        t.revokeApproval();
        return done;
      }
      const { appId, userId } = fields(body, { appId: 'string', userId: 'string' }, ['appId', 'userId']);
      t.revokeApproval({ appId: appId as string, userId: userId as string });
      return done;
    },
  },
];

function send(res: ServerResponse, status: number, json?: unknown, headers: Record<string, string> = {}): void {
  if (json === undefined) {
    res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
    return void res.end();
  }
  const body = JSON.stringify(json);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** A control call's error answer: `{ "error": "…" }`. */
export const refuse = (res: ServerResponse, status: number, error: string, headers?: Record<string, string>): void =>
  send(res, status, { error }, headers);

const refusals = {
  off: (control: Control) => ({ status: 404, error: control.off! }),
  origin: () => ({ status: 403, error: 'the control API refuses requests from a page on another origin' }),
  token: () => ({ status: 401, error: 'the control API requires Authorization: Bearer <admin token>', headers: { 'WWW-Authenticate': 'Bearer' } }),
  host: () => ({ status: 403, error: 'the control API answers only a Host of localhost or an IP address unless an admin token is set' }),
} satisfies Record<string, (control: Control) => { status: number; error: string; headers?: Record<string, string> }>;

function parseBody(req: IncomingMessage, raw: Buffer | undefined): Body {
  if (!raw || raw.length === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // A cross-site form can send only form types without asking first; JSON it cannot.
  if (type !== 'application/json') throw new ControlError(415, 'send the body as JSON, with Content-Type: application/json');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ControlError(400, 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ControlError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** `/__emulator/*`: answers every call with JSON (or 204), never with a page. */
export function handleControl(control: Control, req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer | undefined): void {
  const why = adminRefusal(control, req);
  if (why) {
    const refused: { status: number; error: string; headers?: Record<string, string> } = refusals[why](control);
    return refuse(res, refused.status, refused.error, refused.headers);
  }
  const method = req.method ?? 'GET';
  const subPath = path.slice(controlPrefix.length).replace(/(.)\/$/, '$1');
  const matching = routes.filter((route) => route.path.test(subPath));
  const route = matching.find((candidate) => candidate.method === method);
  if (!route) {
    if (matching.length > 0) {
      return refuse(res, 405, `${method} is not allowed on ${path}`, { Allow: matching.map((r) => r.method).join(', ') });
    }
    return refuse(res, 404, `no control endpoint ${method} ${path}`);
  }
  try {
    const answer = route.run(control.target, parseBody(req, raw), route.path.exec(subPath)!);
    send(res, answer.status, answer.json);
  } catch (error) {
    // The server runs the call again once the data file's lock is free.
    if (error instanceof DataFileBusy) throw error;
    if (error instanceof ControlError) return refuse(res, error.status, error.message);
    // The in-process API throws a TypeError naming the field for every bad argument.
    if (error instanceof TypeError) return refuse(res, 400, error.message);
    if (error instanceof URIError) return refuse(res, 400, 'the path is not valid percent-encoding');
    refuse(res, 500, 'the emulator failed to handle this call');
  }
}
