import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminRefusal } from './access.js';
import { html, type SafeHtml } from './html.js';
import { fullName, sendNotFound, sendPage, signedInUser } from './pages.js';
import { isBlank } from './php.js';
import type { Site } from './site.js';
import { appProblem } from './store.js';
import { fromAnotherOrigin, param, redirect, sameSecret } from './transport.js';

// The site's own pages: the home page a "Cancel" leads to, and the developers' apps dashboard.

/** `GET /` */
export function homePage(site: Site, req: IncomingMessage, res: ServerResponse): void {
  const user = signedInUser(site, req);
  const who = user
    ? html`<p>You are signed in as <strong>${fullName(user)}</strong> (@${user.username}).</p>`
    : html`<p>You are not signed in.</p>`;
  const body = html`<div class="card"><h1>${site.name}</h1>
<p>A local emulator of a ${site.name} (Sngine) site for testing "Log in with ${site.name}".</p>${who}
${site.developersEnabled ? html`<a class="button" href="/developers/apps">Apps dashboard</a>` : ''}</div>`;
  sendPage(site, res, 200, 'Home', body, user);
}

/** A URL that wraps after its slashes and before its query, never in the middle of a word. */
function breakableURL(url: string): SafeHtml {
  return html`${url.split(/(?<=[/?&])/).map((part, i) => (i === 0 ? part : html`<wbr>${part}`))}`;
}

function appsPage(site: Site, req: IncomingMessage, res: ServerResponse, status: number, error?: string, values?: URLSearchParams): void {
  const user = signedInUser(site, req);
  const apps = [...site.store.apps.values()];
  const value = (name: string): string => param(values, name) ?? '';
  const list = apps.length
    ? html`<table class="apps"><thead><tr><th scope="col">App</th><th scope="col">Credentials</th></tr></thead><tbody>${apps.map(
        (app) => html`<tr><td><strong>${app.name}</strong><br><span class="muted">${app.domain}</span></td>
<td>app_id: <code>${app.appId}</code><br>app_secret: <code>${app.appSecret}</code><br>
Redirect URL: <code class="url">${breakableURL(app.redirectURL)}</code><br>
<a href="/api/oauth?app_id=${app.appId}">Log in with ${site.name} link</a></td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No apps yet.</p>`;
  const body = html`<div class="card"><h1>Apps</h1>${list}</div>
<div class="card"><h2>Create a new app</h2>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/developers/apps"><input type="hidden" name="csrf" value="${site.csrfToken}">
<label for="app-name">App name</label><input id="app-name" name="app_name" required value="${value('app_name')}">
<label for="app-domain">Domain</label><input id="app-domain" name="app_domain" placeholder="example.com" value="${value('app_domain')}">
<label for="app-redirect-url">Redirect URL</label><input id="app-redirect-url" name="app_redirect_url" type="url" required placeholder="http://localhost:3000/auth/kvixi/callback" value="${value('app_redirect_url')}">
<label for="app-description">Description</label><textarea id="app-description" name="app_description">${value('app_description')}</textarea>
<button type="submit">Create app</button></form></div>`;
  sendPage(site, res, status, 'Apps', body, user);
}

/** `GET|POST /developers/apps` */
export function appsDashboard(site: Site, req: IncomingMessage, res: ServerResponse, form: URLSearchParams | undefined): void {
  if (!site.developersEnabled) return sendNotFound(site, res);
  if (req.method !== 'POST') return appsPage(site, req, res, 200);
  // A page on another site must not create apps (with its own redirect URL) in a developer's emulator.
  if (fromAnotherOrigin(req) || !sameSecret(param(form, 'csrf'), site.csrfToken)) {
    return appsPage(site, req, res, 403, 'This form was not sent from this apps dashboard. Reload the page and try again.');
  }
  const name = param(form, 'app_name')?.trim() ?? '';
  const redirectURL = param(form, 'app_redirect_url')?.trim() ?? '';
  if (isBlank(name)) return appsPage(site, req, res, 400, 'An app name is required.', form);
  const domain = param(form, 'app_domain')?.trim();
  const app = { name, redirectURL, domain: domain || undefined, description: param(form, 'app_description')?.trim() ?? '' };
  const problem = appProblem(app);
  if (problem) {
    const error = problem.startsWith('redirectURL') ? 'The redirect URL must be an http or https URL.' : `The app needs ${problem}.`;
    return appsPage(site, req, res, 400, error, form);
  }
  site.store.registerApp(app);
  redirect(res, '/developers/apps');
}

const refusals: Record<AdminRefusal, { status: number; message: string }> = {
  off: { status: 404, message: 'The apps dashboard is off: this emulator listens beyond this machine without an admin token. Start it with --admin-token to use the dashboard.' },
  origin: { status: 403, message: 'The apps dashboard opens only from this site: type its address into the address bar.' },
  token: { status: 401, message: "The apps dashboard needs this emulator's admin token: enter it as the password (any user name)." },
  host: { status: 403, message: 'The apps dashboard answers only a Host of localhost or an IP address unless an admin token is set.' },
};

/** The dashboard's answer to a request the admin rules refuse; 401 asks the browser for the token (HTTP Basic). */
export function refuseDashboard(site: Site, res: ServerResponse, why: AdminRefusal): void {
  const { status, message } = refusals[why];
  if (why === 'token') res.setHeader('WWW-Authenticate', `Basic realm="${site.name} emulator admin", charset="UTF-8"`);
  sendPage(site, res, status, 'Apps', html`<div class="card"><h1>Apps</h1><p class="error">${message}</p>
<a class="button" href="/">Home</a></div>`);
}
