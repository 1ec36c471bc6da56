// Server-rendered pages. Every value interpolated into `html` is escaped unless it is itself
// `html`, so nothing a Kvixi user typed into their profile can become markup here.

class SafeHtml {
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

/** Who is looking at a page: a signed-in user with the logout form's token, or a visitor. */
export interface Viewer {
  user?: Express.User;
  csrfToken?: string;
  /** The nav link of the page being shown, marked `aria-current`. */
  current?: string;
}

/** A failure a person can act on. */
export interface Failure {
  /** A few words: what happened. */
  title: string;
  /** One sentence: what to do now. */
  message: string;
  /** The one button to go on; absent where a retry cannot help. */
  action?: { href: string; label: string };
  /** For whoever debugs it: the error code and the provider's own words, collapsed. */
  details?: { code: string; message?: string | undefined; providerMessage?: string | undefined };
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

function logoutForm(csrfToken: string | undefined): SafeHtml {
  return html`<form class="logout" method="post" action="/logout">
<input type="hidden" name="_csrf" value="${csrfToken}">
<button type="submit" class="button button-quiet">Log out</button>
</form>`;
}

function navLink(viewer: Viewer, href: string, content: Interpolation, className?: string): SafeHtml {
  return html`<a${className ? html` class="${className}"` : ''} href="${href}"${viewer.current === href ? html` aria-current="page"` : ''}>${content}</a>`;
}

function header(viewer: Viewer): SafeHtml {
  const user = viewer.user;
  const nav = user
    ? html`<nav class="nav" aria-label="Your account">
${navLink(viewer, '/profile', html`${avatar(user, 'sm', true)}<span class="nav-name">${user.displayName}</span>`, 'nav-user')}
${navLink(viewer, '/account', 'Account')}
${logoutForm(viewer.csrfToken)}
</nav>`
    : html`<nav class="nav" aria-label="Account"><a class="button button-small" href="/auth/kvixi">Log in</a></nav>`;
  return html`<header class="topbar"><div class="topbar-inner">
<a class="brand" href="/"${viewer.current === '/' ? html` aria-current="page"` : ''}><span class="brand-mark" aria-hidden="true">K</span><span class="brand-name">Kvixi example</span></a>
${nav}
</div></header>`;
}

/** The page around every view. */
export function layout({ title, viewer = {}, body }: { title: string; viewer?: Viewer; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Kvixi example</title>
<link rel="stylesheet" href="/style.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
${header(viewer)}
<main class="container">
${body}
</main>
<footer class="footer">An example app for <a href="https://www.npmjs.com/package/passport-kvixi">passport-kvixi</a>: Express, Passport and SQLite.</footer>
</body>
</html>
`.value;
}

const kvixiButton = (href: string): SafeHtml =>
  html`<a class="button button-kvixi" href="${href}"><span class="kvixi-logo" aria-hidden="true">K</span>Log in with Kvixi</a>`;

export function homePage({ viewer, providerName, emulatorURL }: { viewer: Viewer; providerName: string; emulatorURL?: string | undefined }): string {
  const user = viewer.user;
  const body = user
    ? html`<section class="card hero">
<h1>Welcome back, ${user.displayName}</h1>
<p>You are logged in with your Kvixi account.</p>
<div class="actions"><a class="button" href="/profile">View your profile</a><a class="button button-secondary" href="/account">Your account</a></div>
</section>`
    : html`<section class="card hero">
<h1>Sign in with your Kvixi account</h1>
<p>This site keeps no passwords. Log in with ${providerName} and it creates a local account from your Kvixi profile: your name, e-mail address and picture.</p>
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

function tokenExpiry(expiresAt: string | undefined, now: number): SafeHtml {
  if (!expiresAt) return html`<span class="muted">Unknown</span>`;
  const expired = new Date(expiresAt).getTime() <= now;
  return html`${formatDateTime(expiresAt)} ${expired ? html`<span class="badge badge-muted">expired</span>` : ''}`;
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
${detail('Gender', user.gender && capitalize(user.gender))}
${detail('Birthday', user.birthday && formatBirthday(user.birthday))}
</dl>
</section>
<section class="card">
<h2>Your account on this site</h2>
<dl class="details">
${detail('Account created', formatDateTime(user.createdAt))}
${detail('Last signed in', formatDateTime(user.lastLoginAt))}
${detail('Access token expires', tokenExpiry(accessTokenExpiresAt, now))}
</dl>
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
${detail('Signed in', `${user.loginCount} ${user.loginCount === 1 ? 'time' : 'times'}`)}
${detail('Account created', formatDateTime(user.createdAt))}
${detail('Last signed in', formatDateTime(user.lastLoginAt))}
</dl>
<div class="actions"><a class="button button-secondary" href="/profile">Back to your profile</a></div>
</section>`;
  return layout({ title: 'Your account', viewer, body });
}

function technicalDetails(details: Failure['details']): SafeHtml | '' {
  if (!details) return '';
  return html`<details class="technical"><summary>Technical details</summary>
<dl>
<dt>Code</dt><dd><code>${details.code}</code></dd>
${details.message ? html`<dt>Message</dt><dd>${details.message}</dd>` : ''}
${details.providerMessage ? html`<dt>Kvixi said</dt><dd>${details.providerMessage}</dd>` : ''}
</dl>
</details>`;
}

/** A failure page: a short title, one sentence saying what to do, the button that does it. */
export function errorPage({ viewer, failure }: { viewer: Viewer; failure: Failure }): string {
  const { title, message, action } = failure;
  const home = !action || action.href !== '/' ? html`<a ${action ? '' : html`class="button" `}href="/">Home</a>` : '';
  const body = html`<section class="card message">
<h1>${title}</h1>
<p class="message-text">${message}</p>
<div class="actions">${action ? html`<a class="button" href="${action.href}">${action.label}</a>` : ''}${home}</div>
${technicalDetails(failure.details)}
</section>`;
  return layout({ title, viewer, body });
}

export function notFoundPage({ viewer }: { viewer: Viewer }): string {
  return errorPage({
    viewer,
    failure: { title: 'Page not found', message: 'Check the address, or start again from the home page.', action: { href: '/', label: 'Go to the home page' } },
  });
}
