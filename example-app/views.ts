// Server-rendered pages. Every value interpolated into `html` is escaped unless it is itself
// `html`, so nothing a Kvixi user typed into their profile can become markup here.

export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

export function escapeHtml(text: unknown): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** The example site's own name: a neutral brand, so nobody mistakes its pages for Kvixi's. */
export const SITE_NAME = 'Harbor';

/** Who is looking at a page: a signed-in user with the logout form's token, or a visitor. */
export interface Viewer {
  user?: Express.User;
  csrfToken?: string;
  /** The nav link of the page being shown, marked `aria-current`. */
  current?: string;
}

/** What a button on a page does: open a page, or log out (a POST with the CSRF token). */
export type Action = { href: string; label: string } | { logout: true; label: string };

/** A failure a person can act on. */
export interface Failure {
  /** A few words: what happened. */
  title: string;
  /** One sentence: what to do now. */
  message: string;
  /** The primary button that recovers; absent where a retry cannot help. */
  action?: Action;
  /** A line under the buttons: who to contact, or where to sign out of Kvixi. */
  note?: SafeHtml;
  /** A retry cannot help: the header leaves out its "Log in" link too. */
  final?: boolean;
  /** For whoever debugs it, collapsed: never a secret, never the provider's free text. */
  details?: TechnicalDetails;
}

export interface TechnicalDetails {
  code: string;
  reason?: string | undefined;
  endpoint?: string | undefined;
  status?: number | undefined;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

function formatDateTime(iso: string): string {
  return `${dateTime.format(new Date(iso))} UTC`;
}

/** Birthdays are calendar dates: shown as written, never shifted by a time zone. */
function formatBirthday(day: string): string {
  return dateOnly.format(new Date(`${day}T00:00:00Z`));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function initials(name: string): string {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => [...part][0]!.toUpperCase())
      .join('') || '?'
  );
}

/** `decorative`: the name is written next to it, so the picture needs no text of its own. */
function avatar(user: Express.User, size: 'sm' | 'lg', decorative = false): SafeHtml {
  if (user.pictureUrl) {
    const alt = decorative ? '' : `Profile picture of ${user.displayName}`;
    return html`<img class="avatar avatar-${size}" src="${user.pictureUrl}" alt="${alt}">`;
  }
  return decorative
    ? html`<span class="avatar avatar-${size} avatar-initials" aria-hidden="true">${initials(user.displayName)}</span>`
    : html`<span class="avatar avatar-${size} avatar-initials" role="img" aria-label="${user.displayName}">${initials(user.displayName)}</span>`;
}

function logoutForm(csrfToken: string | undefined, label = 'Log out', className = 'button button-quiet'): SafeHtml {
  return html`<form class="logout" method="post" action="/logout">
<input type="hidden" name="_csrf" value="${csrfToken}">
<button type="submit" class="${className}">${label}</button>
</form>`;
}

function navLink(viewer: Viewer, href: string, content: Interpolation, className = 'nav-link'): SafeHtml {
  return html`<a class="${className}" href="${href}"${viewer.current === href ? html` aria-current="page"` : ''}>${content}</a>`;
}

/** The site's mark: a plain harbour light, in the site's colour rather than Kvixi's. */
const brandMark = html`<svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="9" fill="currentColor"/><path d="M16 7l4 5h-8zM13 13h6l1.5 12h-9z" fill="#fff"/></svg>`;

/** Kvixi's mark on the "Log in with Kvixi" button: the provider's K, in the provider's blue. */
const kvixiMark = html`<span class="kvixi-mark" aria-hidden="true">K</span>`;

function header(viewer: Viewer, loginLink: boolean): SafeHtml {
  const user = viewer.user;
  let nav: SafeHtml | '' = '';
  if (user) {
    nav = html`<nav class="nav" aria-label="Your account">
${navLink(viewer, '/profile', html`${avatar(user, 'sm', true)}<span class="nav-name">${user.displayName}</span>`, 'nav-link nav-user')}
${navLink(viewer, '/account', 'Account')}
${logoutForm(viewer.csrfToken)}
</nav>`;
  } else if (loginLink && viewer.current !== '/') {
    // The home page has its own big button; everywhere else the header offers the login.
    nav = html`<nav class="nav" aria-label="Account">${navLink(viewer, '/auth/kvixi', 'Log in')}</nav>`;
  }
  return html`<header class="topbar"><div class="topbar-inner">
<a class="brand" href="/"${viewer.current === '/' ? html` aria-current="page"` : ''}>${brandMark}<span class="brand-name">${SITE_NAME}</span></a>
${nav}
</div></header>`;
}

/** The page around every view. */
export function layout({ title, viewer = {}, body, loginLink = true }: { title: string; viewer?: Viewer; body: SafeHtml; loginLink?: boolean }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · ${SITE_NAME}</title>
<link rel="stylesheet" href="/style.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
${header(viewer, loginLink)}
<main class="container">
${body}
</main>
<footer class="footer">${SITE_NAME} is an example app for <a href="https://www.npmjs.com/package/passport-kvixi">passport-kvixi</a>: Express, Passport and SQLite.</footer>
</body>
</html>
`.value;
}

const kvixiButton = (href: string, label = 'Log in with Kvixi'): SafeHtml =>
  html`<a class="button button-kvixi" href="${href}">${kvixiMark}${label}</a>`;

export function homePage({ viewer, providerName, emulatorURL }: { viewer: Viewer; providerName: string; emulatorURL?: string | undefined }): string {
  const user = viewer.user;
  const body = user
    ? html`<section class="card hero">
<h1>Welcome back, ${user.displayName}</h1>
<p>You are logged in with your Kvixi account.</p>
<div class="actions actions-even"><a class="button" href="/profile">Your profile</a><a class="button button-secondary" href="/account">Your account</a></div>
</section>`
    : html`<section class="card hero">
<h1>Welcome to ${SITE_NAME}</h1>
<p>${SITE_NAME} keeps no passwords. Log in with ${providerName} and it creates a local account from your Kvixi profile: your name, e-mail address and picture.</p>
${kvixiButton('/auth/kvixi')}
${emulatorURL
  ? html`<p class="note">Running on the built-in Kvixi emulator at <a href="${emulatorURL}">${emulatorURL}</a>: pick any demo user there and approve.</p>`
  : ''}
</section>`;
  return layout({ title: 'Home', viewer, body });
}

function detail(label: string, value: Interpolation): SafeHtml {
  const shown = value === null || value === undefined || value === '' ? html`<span class="muted">Not shared</span>` : value;
  return html`<div class="detail"><dt>${label}</dt><dd>${shown}</dd></div>`;
}

/** The access token in words a developer reads without alarm: it did its one job already. */
function tokenLifetime(expiresAt: string | undefined, now: number): SafeHtml | string {
  if (!expiresAt) return 'Not recorded for this session.';
  const verb = new Date(expiresAt).getTime() <= now ? 'lived' : 'lives';
  return html`Read your Kvixi profile once at login; it ${verb} until ${formatDateTime(expiresAt)} (Kvixi tokens last a minute) and is not kept.`;
}

export function profilePage({ viewer, accessTokenExpiresAt, now = Date.now() }: { viewer: Viewer; accessTokenExpiresAt?: string | undefined; now?: number }): string {
  const user = viewer.user!;
  const body = html`<section class="card profile">
<div class="profile-head">
${avatar(user, 'lg')}
<div class="profile-name">
<h1>${user.displayName}</h1>
${user.verified ? html`<p><span class="badge badge-verified">✓ Verified</span></p>` : ''}
${user.username ? html`<p class="muted">@${user.username}</p>` : ''}
${user.profileUrl ? html`<p><a href="${user.profileUrl}">View on Kvixi</a></p>` : ''}
</div>
</div>
<dl class="details">
${detail('E-mail', user.email)}
</dl>
<h2 class="subhead">Also from your Kvixi profile</h2>
<p class="muted small">Kvixi sends these with every login, although its consent page lists only your name, e-mail address and picture.</p>
<dl class="details">
${detail('Gender', user.gender && capitalize(user.gender))}
${detail('Birthday', user.birthday && formatBirthday(user.birthday))}
</dl>
</section>
<section class="card">
<h2>Your account on this site</h2>
<dl class="details">
${detail('Account created', formatDateTime(user.createdAt))}
${detail('Previous login', user.previousLoginAt ? formatDateTime(user.previousLoginAt) : html`<span class="muted">None: this is your first</span>`)}
</dl>
<details class="developer"><summary>For developers</summary>
<dl class="details">
${detail('Access token', tokenLifetime(accessTokenExpiresAt, now))}
${detail('Kvixi user id', user.kvixiId)}
</dl>
</details>
</section>`;
  return layout({ title: user.displayName, viewer, body });
}

export function accountPage({ viewer }: { viewer: Viewer }): string {
  const user = viewer.user!;
  const body = html`<section class="card">
<h1>Your account</h1>
<dl class="details">
${detail('Local account', `#${user.id}`)}
${detail('Kvixi user id', user.kvixiId)}
${detail('Logins', `${user.loginCount} ${user.loginCount === 1 ? 'time' : 'times'}`)}
</dl>
<div class="actions actions-start"><a class="button button-secondary" href="/profile">Back to your profile</a></div>
</section>`;
  return layout({ title: 'Your account', viewer, body });
}

function technicalDetails(details: TechnicalDetails | undefined): SafeHtml | '' {
  if (!details) return '';
  return html`<details class="technical"><summary>Technical details</summary>
<dl>
<dt>Code</dt><dd><code>${details.code}</code></dd>
${details.reason ? html`<dt>Reason</dt><dd><code>${details.reason}</code></dd>` : ''}
${details.endpoint ? html`<dt>Kvixi endpoint</dt><dd><code>${details.endpoint}</code></dd>` : ''}
${details.status !== undefined ? html`<dt>HTTP status</dt><dd>${details.status}</dd>` : ''}
</dl>
</details>`;
}

function actionButton(action: Action, viewer: Viewer, className: string): SafeHtml {
  return 'logout' in action ? logoutForm(viewer.csrfToken, action.label, className) : html`<a class="${className}" href="${action.href}">${action.label}</a>`;
}

/**
 * Every failure page: a short title, one sentence saying what to do, the button that does it
 * and a secondary "Home".
 */
export function errorPage({ viewer, failure }: { viewer: Viewer; failure: Failure }): string {
  const { title, message, action, note } = failure;
  const buttons = html`${action ? actionButton(action, viewer, 'button') : ''}<a class="button ${action ? 'button-secondary' : ''}" href="/">Home</a>`;
  const body = html`<section class="card message">
<h1>${title}</h1>
<p class="message-text">${message}</p>
<div class="actions">${buttons}</div>
${note ? html`<p class="note">${note}</p>` : ''}
${technicalDetails(failure.details)}
</section>`;
  return layout({ title, viewer, body, loginLink: !failure.final });
}

/** Another site linked to a login here: one calm click continues it, returnTo kept. */
export function continuePage({ viewer, continueURL }: { viewer: Viewer; continueURL: string }): string {
  const body = html`<section class="card hero">
<h1>Continue to log in</h1>
<p>You followed a link to log in to ${SITE_NAME}. Continue to Kvixi to choose your account.</p>
${kvixiButton(continueURL, 'Continue with Kvixi')}
</section>`;
  return layout({ title: 'Continue to log in', viewer, body, loginLink: false });
}

/** A protected page after a logout: one click logs in again, nothing happens on its own. */
export function loginRequiredPage({ viewer, what, returnTo }: { viewer: Viewer; what: string; returnTo: string }): string {
  const title = `Log in to see ${what}`;
  const body = html`<section class="card hero">
<h1>${title}</h1>
<p>You logged out of ${SITE_NAME} in this browser.</p>
${kvixiButton(`/auth/kvixi?returnTo=${encodeURIComponent(returnTo)}`)}
</section>`;
  return layout({ title, viewer, body });
}

/** After a logout: Kvixi still knows this browser, so say so and where to sign out there. */
export function loggedOutPage({ viewer, kvixiName, kvixiSignOutURL }: { viewer: Viewer; kvixiName?: string | undefined; kvixiSignOutURL: string }): string {
  const body = html`<section class="card message">
<h1>You're logged out</h1>
<p class="message-text">${kvixiName
    ? html`This browser is still signed in to Kvixi as ${kvixiName}, so “Log in” will not ask again.`
    : 'This browser may still be signed in to Kvixi, so “Log in” may not ask again.'}</p>
<div class="actions"><a class="button" href="${kvixiSignOutURL}">Sign out of Kvixi</a><a class="button button-secondary" href="/">Home</a></div>
<p class="note">Sign out of Kvixi before logging in as someone else, or on a shared computer.</p>
</section>`;
  return layout({ title: "You're logged out", viewer, body });
}

export function notFoundPage({ viewer }: { viewer: Viewer }): string {
  return errorPage({ viewer, failure: { title: 'Page not found', message: 'Check the address, or start again from the home page.' } });
}
