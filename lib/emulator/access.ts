import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { fromAnotherOrigin, sameSecret } from './transport.js';

// Who may use what administers the emulator: the control API and the apps dashboard (which shows
// every app_secret). Both follow the same rules; the sign-in and consent pages and the API stay
// open, as on a real site.

/** Who may administer the emulator. */
export interface AdminAccess {
  /** Why administration is off, or undefined when it is on. */
  off?: string | undefined;
  /** When set, every call must carry it: `Authorization: Bearer <token>` (or Basic, any user name). */
  adminToken?: string | undefined;
}

/** Shorter tokens can be guessed by anyone who can reach a `--host 0.0.0.0` emulator. */
export const minAdminTokenLength = 32;

/** Why this can't be an admin token (never echoing it), or undefined when it can. */
export function adminTokenProblem(token: unknown): string | undefined {
  if (typeof token !== 'string' || !/^[\x21-\x7e]*$/.test(token)) return 'a string of visible ASCII characters';
  if (token.length < minAdminTokenLength) return `at least ${minAdminTokenLength} characters long (e.g. openssl rand -hex 32)`;
  return undefined;
}

/** Host names that can only mean this machine, so whether administration is on by default. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/**
 * A `Host` header naming this machine or an IP address. Without a token, a name that a web page
 * could own (DNS rebinding: `evil.example` resolving to 127.0.0.1) is refused.
 */
export function isLiteralHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost') || isIP(name) !== 0;
}

/** The token a request carries: `Bearer <token>`, or the password of HTTP Basic (what a browser prompts for). */
function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const credentials = header.slice(space + 1).trim();
  if (scheme === 'bearer') return credentials;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/** Why administration is refused: off, asked by a page of another origin, no (right) token, or a Host a page could own. */
export type AdminRefusal = 'off' | 'origin' | 'token' | 'host';

/** Why this request may not administer the emulator, or undefined when it may. In order: off, origin, token, host. */
export function adminRefusal(access: AdminAccess, req: IncomingMessage): AdminRefusal | undefined {
  if (access.off !== undefined) return 'off';
  if (fromAnotherOrigin(req)) return 'origin';
  if (access.adminToken !== undefined) return sameSecret(presentedToken(req), access.adminToken) ? undefined : 'token';
  return isLiteralHost(req.headers.host) ? undefined : 'host';
}
