import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminRefusal } from './access.js';
import { html, type SafeHtml } from './html.js';
import { fullName, sendNotFound, sendPage, signedInUser } from './pages.js';
import { isBlank } from './php.js';
import type { Site } from './site.js';
import { appProblem, type EmulatorApp } from './store.js';
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

/** What a refused form says, and the input it is about (none when it is about the whole form). */
interface FormProblem {
  message: string;
  field?: 'app-name' | 'app-domain' | 'app-redirect-url' | 'app-description';
}

/** The form input each of appProblem()'s field names is typed into. */
const inputOf: Readonly<Record<string, FormProblem['field']>> = {
  name: 'app-name',
  domain: 'app-domain',
  redirectURL: 'app-redirect-url',
  description: 'app-description',
};

/** A value the shell reads back unchanged, as the CLI prints it. */
function shellValue(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The line the CLI prints for an app, ready to paste into its environment. It may wrap between
 * variables and after each `=`, so on a phone a value moves to a line of its own, whole.
 */
function environmentLine(site: Site, app: EmulatorApp): SafeHtml {
  const variables = [['KVIXI_BASE_URL', shellValue(site.url)], ['KVIXI_APP_ID', app.appId], ['KVIXI_APP_SECRET', shellValue(app.appSecret)]];
  return html`${variables.map(([name, value], i) => html`${i === 0 ? '' : ' '}${name}=<wbr>${value}`)}`;
}

// Copies the value a Copy button names; without the Clipboard API (plain http on a LAN address)
// it selects the text so the browser's own copy works, and says which happened.
const copyScript = `document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = document.getElementById('copy-status');
  try {
    await navigator.clipboard.writeText(source.textContent);
    status.textContent = 'Copied ' + button.dataset.label + '.';
    button.firstChild.textContent = 'Copied';
    setTimeout(() => { button.firstChild.textContent = 'Copy'; }, 2000);
  } catch {
    getSelection().selectAllChildren(source);
    status.textContent = 'Selected ' + button.dataset.label + ': press Ctrl+C or ⌘C to copy.';
  }
});`;

function copyButton(target: string, label: string): SafeHtml {
  return html`<button type="button" class="copy" data-copy="${target}" data-label="${label}">Copy<span class="visually-hidden"> ${label}</span></button>`;
}

function appBlock(site: Site, app: EmulatorApp): SafeHtml {
  const id = `app-${app.appId}`;
  return html`<section class="card" aria-labelledby="${id}-name"><h2 id="${id}-name">${app.name}</h2>
${app.domain ? html`<p class="muted">${app.domain}</p>` : ''}
<dl class="credentials">
<dt>app_id ${copyButton(`${id}-id`, 'app_id')}</dt><dd><code class="value" id="${id}-id">${app.appId}</code></dd>
<dt>app_secret ${copyButton(`${id}-secret`, 'app_secret')}</dt><dd><code class="value" id="${id}-secret">${app.appSecret}</code></dd>
<dt>Redirect URL</dt><dd><code class="url">${breakableURL(app.redirectURL)}</code></dd>
<dt>Environment ${copyButton(`${id}-env`, 'environment line')}</dt><dd><pre class="value" id="${id}-env" tabindex="0" aria-label="Environment line">${environmentLine(site, app)}</pre></dd>
</dl>
<p><a href="/api/oauth?app_id=${app.appId}">Log in with ${site.name} link</a></p></section>`;
}

function appsPage(site: Site, req: IncomingMessage, res: ServerResponse, status: number, problem?: FormProblem, values?: URLSearchParams): void {
  const user = signedInUser(site, req);
  const apps = [...site.store.apps.values()];
  const value = (name: string): string => param(values, name) ?? '';
  /** Ties a field to its hint and to the form's error when the error is about it. */
  const describedBy = (field: FormProblem['field'], hint?: string): SafeHtml => {
    const invalid = problem !== undefined && problem.field === field;
    const ids = [invalid ? 'app-error' : '', hint ?? ''].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
  };
  const body = html`<h1>Apps</h1>
${apps.length ? apps.map((app) => appBlock(site, app)) : html`<div class="card"><p class="muted">No apps yet.</p></div>`}
<p class="copied" id="copy-status" role="status"></p>
<div class="card"><h2>Create a new app</h2>
<form method="post" action="/developers/apps">
${problem ? html`<p class="error" id="app-error" role="alert" tabindex="-1" autofocus>${problem.message}</p>` : ''}
<input type="hidden" name="csrf" value="${site.csrfToken}">
<label for="app-name">App name <span class="required">(required)</span></label><input id="app-name" name="app_name" required value="${value('app_name')}"${describedBy('app-name')}>
<label for="app-domain">Domain</label><input id="app-domain" name="app_domain" value="${value('app_domain')}"${describedBy('app-domain', 'app-domain-hint')}>
<p class="hint" id="app-domain-hint">For example example.com; the redirect URL’s host when left empty.</p>
<label for="app-redirect-url">Redirect URL <span class="required">(required)</span></label><input id="app-redirect-url" name="app_redirect_url" type="url" required value="${value('app_redirect_url')}"${describedBy('app-redirect-url', 'app-redirect-url-hint')}>
<p class="hint" id="app-redirect-url-hint">Where Kvixi sends the browser back, for example http://localhost:3000/auth/kvixi/callback</p>
<label for="app-description">Description</label><textarea id="app-description" name="app_description"${describedBy('app-description')}>${value('app_description')}</textarea>
<button type="submit">Create app</button></form></div>`;
  sendPage(site, res, status, 'Apps', body, user, apps.length ? copyScript : undefined);
}

/** `GET|POST /developers/apps` */
export function appsDashboard(site: Site, req: IncomingMessage, res: ServerResponse, form: URLSearchParams | undefined): void {
  if (!site.developersEnabled) return sendNotFound(site, res);
  if (req.method !== 'POST') return appsPage(site, req, res, 200);
  // A page on another site must not create apps (with its own redirect URL) in a developer's emulator.
  if (fromAnotherOrigin(req) || !sameSecret(param(form, 'csrf'), site.csrfToken)) {
    return appsPage(site, req, res, 403, { message: 'This form was not sent from this apps dashboard. Reload the page and try again.' });
  }
  const name = param(form, 'app_name')?.trim() ?? '';
  const redirectURL = param(form, 'app_redirect_url')?.trim() ?? '';
  if (isBlank(name)) return appsPage(site, req, res, 400, { message: 'An app name is required.', field: 'app-name' }, form);
  const domain = param(form, 'app_domain')?.trim();
  const app = { name, redirectURL, domain: domain || undefined, description: param(form, 'app_description')?.trim() ?? '' };
  const problem = appProblem(app);
  if (problem) {
    const message = problem.startsWith('redirectURL') ? 'The redirect URL must be an http or https URL.' : `The app needs ${problem}.`;
    return appsPage(site, req, res, 400, { message, field: inputOf[problem.split(' ')[0]!] }, form);
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
