import type { IncomingMessage, ServerResponse } from 'node:http';
import { html, page, type SafeHtml } from './html.js';
import { defaultAvatarPath, type Site } from './site.js';
import type { EmulatorUser } from './store.js';
import { cookie, sendHtml } from './transport.js';

// What every page of the emulated site shares: who is signed in, the frame, and the error pages.

export const sessionCookie = 'kvixi_emulator_session';

export function signedInUser(site: Site, req: IncomingMessage): EmulatorUser | undefined {
  return site.store.sessionUser(cookie(req, sessionCookie));
}

/** Relative, so a page still shows the picture when the emulator is reached by another host name. */
export function avatarPath(user: EmulatorUser): string {
  return user.picture ? `/content/uploads/${user.picture}` : defaultAvatarPath(user.gender);
}

export function fullName(user: EmulatorUser): string {
  return `${user.firstname} ${user.lastname}`.trim();
}

export function sendPage(site: Site, res: ServerResponse, status: number, title: string, body: SafeHtml, user?: EmulatorUser, script?: string): void {
  const viewer = user && { name: fullName(user), picture: avatarPath(user) };
  sendHtml(res, status, page({ siteName: site.name, title, body, viewer, script }));
}

/** Who is signed in, read from the request the response answers, so every page keeps the name in its header. */
function viewer(site: Site, res: ServerResponse): EmulatorUser | undefined {
  return res.req ? signedInUser(site, res.req) : undefined;
}

export function sendNotFound(site: Site, res: ServerResponse): void {
  sendPage(site, res, 404, '404 Not Found', html`<div class="card"><h1>404 Not Found</h1>
<p>The requested URL was not found on this server.</p><a class="button" href="/">Home</a></div>`, viewer(site, res));
}

/** `developerNote`: a line only the emulator adds, below Sngine's own words. */
export function sendErrorPage(site: Site, res: ServerResponse, message: string, developerNote?: string): void {
  // Sngine answers its error pages with HTTP 200.
  sendPage(site, res, 200, 'Error', html`<div class="card"><h1>Error</h1><p class="error">${message}</p>
${developerNote ? html`<p class="muted">${developerNote}</p>` : ''}<a class="button" href="/">Home</a></div>`, viewer(site, res));
}
