import type { IncomingMessage, ServerResponse } from 'node:http';
import { html } from './html.js';
import { avatarPath, fullName, sendPage, signedInUser } from './pages.js';
import type { Site } from './site.js';

// `/{username}`: the small public profile that get_user_info's profile URL ("View on Kvixi") leads to.

/** A path that can be a profile: `/jane`, not `/api/x` or `/content/…`. */
const profilePath = /^\/([A-Za-z0-9_.]{3,64})\/?$/;

/** Sends the profile page for `path` and returns true, or returns false when no user has that username. */
export function profilePage(site: Site, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const wanted = profilePath.exec(path)?.[1]?.toLowerCase();
  if (!wanted) return false;
  const user = site.store.findByUsername(wanted);
  if (!user) return false;
  const since = user.registered.slice(0, 10);
  const body = html`<div class="card"><div class="profile">
<img class="avatar avatar-lg" src="${avatarPath(user)}" alt="Profile picture of ${fullName(user)}">
<div><h1>${fullName(user)}</h1>
${user.verified ? html`<p><span class="badge">Verified</span></p>` : ''}
<p class="muted">@${user.username} · joined ${since}</p></div></div>
${user.biography ? html`<h2>About</h2><p>${user.biography}</p>` : ''}
${user.website && /^https?:\/\//i.test(user.website) ? html`<p><a href="${user.website}" rel="nofollow noopener">${user.website}</a></p>` : ''}
</div>`;
  sendPage(site, res, 200, fullName(user), body, signedInUser(site, req));
  return true;
}
