import { messages } from './messages.js';
import { htmlEntities, isBlank } from './php.js';
import { defaultAvatarPath, genderNames, uploadsURL, type ApiReply, type Site, type SiteLanguage } from './site.js';
import type { EmulatorUser } from './store.js';
import { param } from './transport.js';

// `/api/get_user_info`: the profile behind an access token, shaped as Sngine 4.x sends it.

function languageOf(site: Site, query: URLSearchParams): SiteLanguage {
  const lang = param(query, 'lang')?.trim().toLowerCase();
  return lang !== undefined && lang in genderNames ? (lang as SiteLanguage) : site.language;
}

/** The `user_info` object, keys in the server's order, every value a string or null. */
export function userInfoFields(site: Site, user: EmulatorUser, language: SiteLanguage): Record<string, string | null> {
  const text = (value: string | null): string | null => (value === null ? null : htmlEntities(value));
  const uploads = uploadsURL(site);
  return {
    user_id: user.userId,
    user_name: user.username,
    user_email: user.email,
    user_firstname: htmlEntities(user.firstname),
    user_lastname: htmlEntities(user.lastname),
    user_gender: genderNames[language][user.gender],
    user_birthdate: user.birthdate,
    user_picture: user.picture,
    user_cover: user.cover,
    user_registered: user.registered,
    user_verified: user.verified ? '1' : '0',
    user_relationship: user.relationship,
    user_biography: text(user.biography),
    user_website: text(user.website),
    profile_picture: user.picture ? uploads + user.picture : site.url + defaultAvatarPath(user.gender),
    // Broken on every real server: always the bare uploads URL.
    profile_cover: uploads,
  };
}

export function getUserInfo(site: Site, query: URLSearchParams): ApiReply {
  // The token is read from the query string only, whatever the method.
  const token = param(query, 'access_token');
  if (isBlank(token)) return { error: true, message: messages.invalidAccessToken };
  if (!site.developersEnabled) return { error: true, message: messages.developersDisabled };
  const lookup = site.store.lookupToken(token!);
  if (!lookup.ok) {
    const message = lookup.reason === 'expired_token' ? messages.expiredAccessToken : messages.invalidAccessToken;
    return { error: true, message };
  }
  if (!lookup.user) return [];
  return { user_info: userInfoFields(site, lookup.user, languageOf(site, query)) };
}
