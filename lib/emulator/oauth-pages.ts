import type { IncomingMessage, ServerResponse } from 'node:http';
import { html, SafeHtml } from './html.js';
import { messages } from './messages.js';
import { avatarPath, fullName, sendErrorPage, sendNotFound, sendPage, sessionCookie, signedInUser } from './pages.js';
import { intval, isBlank } from './php.js';
import type { LoginDecision } from './login-queue.js';
import type { Site } from './site.js';
import { maxSignupUsers, type EmulatorApp, type EmulatorGender, type EmulatorUser } from './store.js';
import { cookie, fromAnotherOrigin, param, redirect } from './transport.js';

// The browser side of "Log in with": sign-in, consent, and the redirect that carries the auth key.

/** Only a path on this site, so the sign-in forms cannot be used to bounce a browser elsewhere. */
function safeReturnPath(value: string | undefined): string {
  // Browsers drop tabs and newlines from URLs and read `\` as `/`: `/\t/evil` would become `//evil`.
  const plain = value !== undefined && !/[\u0000-\u001f\u007f\\]/.test(value);
  return plain && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}

/** Which form a sign-in problem belongs to, and the fields it is about: that form shows it. */
interface SignInProblem {
  form: 'users' | 'password' | 'signup';
  message: string;
  /** The ids of the inputs the message is about, marked invalid and described by it. */
  fields?: readonly string[];
}

/** The app a sign-in page leads back to, when its return path is the app's `/api/oauth` URL. */
function appOf(site: Site, returnTo: string): EmulatorApp | undefined {
  const url = new URL(returnTo, 'http://emulator.invalid');
  const appId = url.pathname === '/api/oauth' ? url.searchParams.get('app_id') : null;
  return appId === null || isBlank(appId) ? undefined : site.store.apps.get(String(intval(appId)));
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A problem at the top of its form, announced and focused when the page loads, so it is seen at any width. */
function problemFor(problem: SignInProblem | undefined, form: SignInProblem['form']): SafeHtml {
  return problem?.form === form
    ? html`<p class="error" id="${form}-error" role="alert" tabindex="-1" autofocus>${problem.message}</p>`
    : html``;
}

const chevron = new SafeHtml('<svg class="chevron" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><path d="M7.5 4.5 13 10l-5.5 5.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>');

function signInPage(site: Site, res: ServerResponse, returnTo: string, problem?: SignInProblem, typed?: URLSearchParams): void {
  const users = [...site.store.users.values()];
  const app = appOf(site, returnTo);
  // What the person typed comes back only into the form that was refused.
  const value = (form: SignInProblem['form'], name: string): string => (problem?.form === form ? (param(typed, name) ?? '') : '');
  const hidden = html`<input type="hidden" name="return" value="${returnTo}">`;
  /** A field's helper text and, when the problem is about this field, its error. */
  const describedBy = (form: SignInProblem['form'], id: string, hint?: string): SafeHtml => {
    const invalid = problem?.form === form && problem.fields?.includes(id);
    const ids = [invalid ? `${form}-error` : '', hint ?? ''].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
  };
  const open = (form: SignInProblem['form']): SafeHtml => (problem?.form === form ? html` open` : html``);
  const userList = users.length
    ? html`<ul class="accounts">${users.map((user) => html`<li><form method="post" action="/signin">${hidden}<input type="hidden" name="user_id" value="${user.userId}">
<button type="submit"><img class="avatar" src="${avatarPath(user)}" alt="">
<span class="who"><span class="name">Sign in as ${fullName(user)}</span>
<span class="muted">@${user.username} · ${user.email}</span></span>${chevron}</button></form></li>`)}</ul>`
    : html`<p class="muted">No users yet: create one below.</p>`;
  const body = html`<div class="card narrow"><h1>Sign in to ${site.name}</h1>
${app ? html`<p>to continue to <strong>${app.name}</strong> (${hostOf(app.redirectURL)})</p>` : ''}
${problemFor(problem, 'users')}
<h2>Choose an account</h2>${userList}
<details class="fold" id="password-sign-in"${open('password')}><summary>Sign in with a password</summary>
<form method="post" action="/signin">${problemFor(problem, 'password')}${hidden}
<label for="login">Username or email</label><input id="login" name="username" autocomplete="username" value="${value('password', 'username')}"${describedBy('password', 'login')}>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password"${describedBy('password', 'password')}>
<button type="submit">Sign in</button></form></details>
<details class="fold" id="create-user"${open('signup')}><summary>Create a test user</summary>
<form method="post" action="/signup">${problemFor(problem, 'signup')}${hidden}
<label for="firstname">First name <span class="required">(required)</span></label><input id="firstname" name="firstname" required value="${value('signup', 'firstname')}"${describedBy('signup', 'firstname')}>
<label for="lastname">Last name</label><input id="lastname" name="lastname" value="${value('signup', 'lastname')}">
<label for="username">Username</label><input id="username" name="username" value="${value('signup', 'username')}"${describedBy('signup', 'username', 'username-hint')}>
<p class="hint" id="username-hint">Made from the first name when left empty.</p>
<label for="email">Email</label><input id="email" name="email" type="email" value="${value('signup', 'email')}"${describedBy('signup', 'email', 'email-hint')}>
<p class="hint" id="email-hint">username@example.com when left empty.</p>
<label for="new-password">Password</label><input id="new-password" name="password" type="password" autocomplete="new-password"${describedBy('signup', 'new-password', 'new-password-hint')}>
<p class="hint" id="new-password-hint">“password” when left empty.</p>
<label for="gender">Gender</label><select id="gender" name="gender">
<option value="male">Male</option><option value="female">Female</option><option value="other">Other</option></select>
<button type="submit">Create user and sign in</button></form></details></div>`;
  sendPage(site, res, 200, 'Sign in', body);
}

function consentPage(site: Site, res: ServerResponse, app: EmulatorApp, user: EmulatorUser, action: string): void {
  // The app's initial on a neutral tile: the site's own mark is white on its blue, so the two never look alike.
  const initial = app.name.trim().charAt(0).toUpperCase() || '?';
  const body = html`<div class="card narrow consent">
<h1>Log in With ${site.name}</h1>
<div class="app-tile" role="img" aria-label="${app.name} icon">${initial}</div>
<h2 style="margin-top:10px">${app.name}</h2>
<p class="muted">${app.domain}</p>
<p>Will receive your: Name, Email Address, Profile Picture</p>
<div class="viewer"><img class="avatar" src="${avatarPath(user)}" alt="">
<div class="who"><strong>${fullName(user)}</strong><br><span class="muted">${user.email}</span></div>
<form method="post" action="/signout"><input type="hidden" name="return" value="${action}"><span class="muted">Not you?</span> <button type="submit" class="link">Switch account</button></form></div>
<form method="post" action="${action}"><input type="hidden" name="approve" value="1">
<div class="actions"><button type="submit">Continue as ${user.firstname}</button>
<a href="/">Cancel</a></div></form></div>`;
  sendPage(site, res, 200, `Log in With ${site.name}`, body, user);
}

/** `{redirectURL}?auth_key=…`: always `?`, even when the URL already has a query, as Sngine does. */
function redirectWithAuthKey(site: Site, res: ServerResponse, app: EmulatorApp, user: EmulatorUser): void {
  redirect(res, `${app.redirectURL}?auth_key=${site.store.approve(app.appId, user.userId)}`);
}

/** The oldest queued login whose user still exists; one for a deleted user is dropped. */
function takeQueuedLogin(site: Site): { user: EmulatorUser; decision: LoginDecision } | undefined {
  for (let login = site.logins.take(); login; login = site.logins.take()) {
    const user = site.store.users.get(login.userId);
    if (user) return { user, decision: login.decision };
  }
  return undefined;
}

/** The usual cause in development, which the real site has no reason to name. */
const unknownAppNote = 'For developers: kvixi-emulator makes a new app_id and app_secret on every start unless it is given --app-id and --app-secret, or --data; use the ones it printed last.';

/** `GET|POST /api/oauth?app_id=…` */
export function oauthPage(site: Site, req: IncomingMessage, res: ServerResponse, query: URLSearchParams, form: URLSearchParams | undefined): void {
  const rawAppId = param(query, 'app_id');
  if (!site.developersEnabled || isBlank(rawAppId)) return sendNotFound(site, res);
  const app = site.store.apps.get(String(intval(rawAppId!)));
  if (!app) return sendErrorPage(site, res, messages.unknownApp, unknownAppNote);

  const queued = takeQueuedLogin(site);
  if (queued) {
    // What the consent page's two choices lead to: the app's redirect URL, or Cancel's link home.
    return queued.decision === 'approve' ? redirectWithAuthKey(site, res, app, queued.user) : redirect(res, '/');
  }

  const here = `/api/oauth?app_id=${encodeURIComponent(rawAppId!)}`;
  const user = signedInUser(site, req);
  if (!user) return signInPage(site, res, here);
  if (site.rememberApprovals && site.store.hasApproved(app.appId, user.userId)) return redirectWithAuthKey(site, res, app, user);
  if (req.method === 'POST' && param(form, 'approve') !== undefined) {
    if (refusedFromAnotherOrigin(site, req, res, `Log in With ${site.name}`)) return;
    return redirectWithAuthKey(site, res, app, user);
  }
  consentPage(site, res, app, user, here);
}

function signInAndReturn(site: Site, res: ServerResponse, user: EmulatorUser, returnTo: string): void {
  const sessionId = site.store.startSession(user.userId);
  redirect(res, returnTo, { 'Set-Cookie': `${sessionCookie}=${sessionId}; Path=/; HttpOnly; SameSite=Lax` });
}

/** `POST /signin`: one click as a listed user, or username (or email) and password. */
export function signIn(site: Site, res: ServerResponse, form: URLSearchParams | undefined): void {
  const returnTo = safeReturnPath(param(form, 'return'));
  const userId = param(form, 'user_id');
  if (userId !== undefined) {
    const user = site.store.users.get(userId);
    return user ? signInAndReturn(site, res, user, returnTo) : signInPage(site, res, returnTo, { form: 'users', message: 'That user no longer exists.' });
  }
  const user = site.store.findByLogin(param(form, 'username') ?? '');
  if (!user || user.password !== (param(form, 'password') ?? '')) {
    return signInPage(site, res, returnTo, { form: 'password', message: 'The username or password you entered is incorrect.', fields: ['login', 'password'] }, form);
  }
  signInAndReturn(site, res, user, returnTo);
}

const genders: readonly EmulatorGender[] = ['male', 'female', 'other'];

/** `POST /signup`: creates a test user and signs in as it. */
export function signUp(site: Site, res: ServerResponse, form: URLSearchParams | undefined): void {
  const returnTo = safeReturnPath(param(form, 'return'));
  const field = (name: string): string | undefined => {
    const value = param(form, name)?.trim();
    return value ? value : undefined;
  };
  const firstname = field('firstname');
  const refuse = (message: string, input: string): void => signInPage(site, res, returnTo, { form: 'signup', message, fields: [input] }, form);
  if (!firstname) return refuse('A first name is required.', 'firstname');
  if (site.store.users.size >= maxSignupUsers) {
    return refuse(`This site already has ${maxSignupUsers.toLocaleString('en')} users, the most this page creates: delete some, or reset the emulator.`, 'username');
  }
  const username = field('username');
  if (username !== undefined && !/^[A-Za-z0-9_.]{3,64}$/.test(username)) {
    return refuse('A username has 3 to 64 letters, digits, dots or underscores.', 'username');
  }
  if (username !== undefined && site.store.findByLogin(username)) {
    return refuse('That username is taken.', 'username');
  }
  const gender = genders.find((g) => g === field('gender')) ?? 'male';
  const user = site.store.addUser({
    firstname,
    lastname: field('lastname') ?? '',
    username,
    email: field('email'),
    password: field('password'),
    gender,
  });
  signInAndReturn(site, res, user, returnTo);
}

/** A return path as a `Location` can carry it: characters beyond ASCII percent-encoded, as a browser sends them. */
function locationOf(path: string): string {
  const url = new URL(path, 'http://emulator.invalid');
  return url.pathname + url.search + url.hash;
}

/**
 * A form of the sign-in, sign-up, sign-out or consent page posted by a page of another site (a
 * hidden auto-submitting form): refused, so no other site signs the browser in or out, or approves
 * an app in the user's name. True when it answered.
 */
export function refusedFromAnotherOrigin(site: Site, req: IncomingMessage, res: ServerResponse, title: string): boolean {
  if (!fromAnotherOrigin(req)) return false;
  sendPage(site, res, 403, title, html`<div class="card"><h1>${title}</h1><p class="error">This request came from a page of another site. Use this site's own page instead.</p>
<a class="button" href="/">Home</a></div>`, signedInUser(site, req));
  return true;
}

/**
 * `POST /signout`, then back to the `return` path on this site ("Switch account" returns to its
 * consent page). Only from the emulator's own pages: a form on another site must not sign the user out.
 */
export function signOut(site: Site, req: IncomingMessage, res: ServerResponse, form: URLSearchParams | undefined): void {
  site.store.endSession(cookie(req, sessionCookie));
  const returnTo = locationOf(safeReturnPath(param(form, 'return')));
  redirect(res, returnTo, { 'Set-Cookie': `${sessionCookie}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
}
