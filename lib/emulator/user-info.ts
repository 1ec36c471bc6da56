import { messages } from './messages.js';
import { htmlEntities, isBlank, jsonEncode } from './php.js';
import { defaultAvatarPath, genderNames, uploadsURL, type ApiReply, type Site, type SiteLanguage } from './site.js';
import type { EmulatorUser } from './store.js';
import { param } from './transport.js';

// `/api/get_user_info`: the profile behind an access token, shaped as the site's Sngine generation sends it.

function languageOf(site: Site, query: URLSearchParams): SiteLanguage {
  const lang = param(query, 'lang')?.trim().toLowerCase();
  return lang !== undefined && Object.hasOwn(genderNames, lang) ? (lang as SiteLanguage) : site.language;
}

const genderIds = { male: '1', female: '2', other: '3' } as const;

/** 2.x sends the stored word, 3.x the gender's id, 4.x its name in the site language. */
function genderOf(site: Site, user: EmulatorUser, language: SiteLanguage): string {
  switch (site.generation) {
    case 2:
      return user.gender;
    case 3:
      return genderIds[user.gender];
    case 4:
      return genderNames[language][user.gender];
  }
}

/** The `user_info` object, keys in the server's order, every value a string or null. */
function userInfoFields(site: Site, user: EmulatorUser, language: SiteLanguage): Record<string, string | null> {
  const text = (value: string | null): string | null => (value === null ? null : htmlEntities(value));
  const uploads = uploadsURL(site);
  const fields: Record<string, string | null> = {
    user_id: user.userId,
    user_name: user.username,
    user_email: user.email,
    user_firstname: htmlEntities(user.firstname),
    user_lastname: htmlEntities(user.lastname),
    user_gender: genderOf(site, user, language),
    user_birthdate: user.birthdate,
    user_picture: user.picture,
    user_cover: user.cover,
    user_registered: user.registered,
    user_verified: user.verified ? '1' : '0',
    user_relationship: user.relationship,
    user_biography: text(user.biography),
    user_website: text(user.website),
  };
  // Added in 4.x; before that a client builds picture URLs from user_picture itself.
  if (site.generation < 4) return fields;
  fields.profile_picture = user.picture ? uploads + user.picture : site.url + defaultAvatarPath(user.gender);
  // Broken on every real server: always the bare uploads URL.
  fields.profile_cover = uploads;
  return fields;
}

// Users never change once stored, so each one's encoded profile can be kept per language.
const encodedProfiles = new WeakMap<EmulatorUser, Map<SiteLanguage, string>>();

function encodedProfile(site: Site, user: EmulatorUser, language: SiteLanguage): string {
  let byLanguage = encodedProfiles.get(user);
  if (!byLanguage) encodedProfiles.set(user, (byLanguage = new Map()));
  let json = byLanguage.get(language);
  if (json === undefined) {
    json = jsonEncode({ user_info: userInfoFields(site, user, language) });
    byLanguage.set(language, json);
  }
  return json;
}

/** The JSON body `/api/get_user_info` answers. */
export function getUserInfo(site: Site, query: URLSearchParams): string {
  const reply = lookup(site, query);
  return typeof reply === 'string' ? reply : jsonEncode(reply);
}

function lookup(site: Site, query: URLSearchParams): ApiReply | string {
  // The token is read from the query string only, whatever the method.
  const token = param(query, 'access_token');
  if (isBlank(token)) return { error: true, message: messages.invalidAccessToken };
  if (!site.developersEnabled) return { error: true, message: messages.developersDisabled };
  const found = site.store.lookupToken(token!);
  if (!found.ok) {
    const message = found.reason === 'expired_token' ? messages.expiredAccessToken : messages.invalidAccessToken;
    return { error: true, message };
  }
  if (!found.user) return [];
  return encodedProfile(site, found.user, languageOf(site, query));
}
