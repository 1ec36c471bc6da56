// Server-rendered pages. Every value interpolated into `html` is escaped unless it is itself
// `html`, so nothing a Kvixi user typed into their profile can become markup here.

class SafeHtml {
  constructor(value) {
    this.value = value;
  }

  toString() {
    return this.value;
  }
}

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(value) {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

function formatDateTime(iso) {
  return `${dateTime.format(new Date(iso))} UTC`;
}

/** Birthdays are calendar dates: shown as written, never shifted by a time zone. */
function formatBirthday(day) {
  return dateOnly.format(new Date(`${day}T00:00:00Z`));
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function initials(name) {
  return (
    name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => [...part][0].toUpperCase())
      .join('') || '?'
  );
}

function avatar(user, size) {
  return user.pictureUrl
    ? html`<img class="avatar avatar-${size}" src="${user.pictureUrl}" alt="Profile picture of ${user.displayName}">`
    : html`<span class="avatar avatar-${size} avatar-initials" role="img" aria-label="${user.displayName}">${initials(user.displayName)}</span>`;
}

function logoutForm(csrfToken) {
  return html`<form class="logout" method="post" action="/logout">
<input type="hidden" name="_csrf" value="${csrfToken}">
<button type="submit" class="button button-quiet">Log out</button>
</form>`;
}

function header(viewer) {
  const nav = viewer.user
    ? html`<nav class="nav">
<a class="nav-user" href="/profile">${avatar(viewer.user, 'sm')}<span>${viewer.user.displayName}</span></a>
<a href="/account">Account</a>
${logoutForm(viewer.csrfToken)}
</nav>`
    : html`<nav class="nav"><a class="button button-small" href="/auth/kvixi">Log in</a></nav>`;
  return html`<header class="topbar"><div class="topbar-inner">
<a class="brand" href="/"><span class="brand-mark" aria-hidden="true">K</span>Kvixi example</a>
${nav}
</div></header>`;
}

/**
 * The page around every view. `viewer` is who is looking: `{ user, csrfToken }`, both absent for a visitor.
 */
export function layout({ title, viewer = {}, body }) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
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

const kvixiButton = (href) => html`<a class="button button-kvixi" href="${href}"><span class="kvixi-logo" aria-hidden="true">K</span>Log in with Kvixi</a>`;

export function homePage({ viewer, providerName, emulatorURL }) {
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

function detail(label, value) {
  return html`<div class="detail"><dt>${label}</dt><dd>${value ?? html`<span class="muted">Not shared</span>`}</dd></div>`;
}

function tokenExpiry(expiresAt, now) {
  if (!expiresAt) return html`<span class="muted">Unknown</span>`;
  const expired = new Date(expiresAt).getTime() <= now;
  return html`${formatDateTime(expiresAt)} ${expired ? html`<span class="badge badge-muted">expired</span>` : ''}`;
}

export function profilePage({ viewer, accessTokenExpiresAt, now = Date.now() }) {
  const user = viewer.user;
  const body = html`<section class="card profile">
<div class="profile-head">
${avatar(user, 'lg')}
<div class="profile-name">
<h1>${user.displayName}${user.verified ? html` <span class="badge badge-verified" title="Verified Kvixi account">✓ Verified</span>` : ''}</h1>
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

export function accountPage({ viewer }) {
  const user = viewer.user;
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

/** A failure a person can act on: what happened, in words, and one button to go on. */
export function errorPage({ viewer, title, message, hint, action = { href: '/auth/kvixi', label: 'Try again' } }) {
  const body = html`<section class="card message" role="alert">
<h1>${title}</h1>
<p class="message-text">${message}</p>
${hint ? html`<p class="muted">${hint}</p>` : ''}
<div class="actions"><a class="button" href="${action.href}">${action.label}</a>${action.href !== '/' ? html`<a href="/">Home</a>` : ''}</div>
</section>`;
  return layout({ title, viewer, body });
}

export function notFoundPage({ viewer }) {
  return errorPage({
    viewer,
    title: 'Page not found',
    message: 'There is no page at this address.',
    action: { href: '/', label: 'Go to the home page' },
  });
}
