import { characterEntitiesHtml4 } from 'character-entities-html4';
import type { KvixiUserInfo } from './client.js';

/**
 * A Kvixi user as a Passport profile, in the Portable Contacts shape other strategies use.
 * Text is decoded (`O&#039;Brien` → `O'Brien`).
 */
export interface KvixiProfile {
  provider: 'kvixi';
  /** Kvixi's `user_id`: the stable key to store. */
  id: string;
  username?: string;
  /** First and last name, else the user name, else the id. */
  displayName: string;
  name?: { givenName: string; familyName: string };
  /** Present only when Kvixi sent an address. Never marked verified: Kvixi does not say. */
  emails?: Array<{ value: string }>;
  /** An absolute http(s) URL; absent when the user has only the default avatar. */
  photos?: Array<{ value: string }>;
  /** `male`, `female`, `other`, or the site's own word for it. */
  gender?: string;
  /** `YYYY-MM-DD`. */
  birthday?: string;
  profileUrl?: string;
  /** The `get_user_info` body as received. */
  _raw: string;
  /** The `user_info` object as received (still entity-encoded). */
  _json: KvixiUserInfo;
}

/** Where relative paths and profile links point. */
export interface ProfileSite {
  baseURL: string;
  uploadsURL: string;
}

const GENDERS: Readonly<Record<string, string>> = {
  male: 'male',
  female: 'female',
  other: 'other',
  '1': 'male',
  '2': 'female',
  '3': 'other',
};
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const NO_GENDER = new Set(['', 'n/a', '0', 'none']);
const BLANK_AVATAR = /\/images\/blank_profile_[a-z]*\.(?:png|jpe?g|svg|gif)$/i;

/** A character reference: decimal, hexadecimal or named. */
const REFERENCE = /&(?:#(\d{1,7})|#[xX]([\da-fA-F]{1,6})|([A-Za-z][A-Za-z\d]{1,31}));/g;

/**
 * Decodes what PHP `htmlentities($text, ENT_QUOTES)` writes: HTML 4.01 named references plus
 * numeric ones (`&#039;`). One pass, so `&amp;lt;` becomes `&lt;`, not `<`.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (reference, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) {
      return Object.hasOwn(characterEntitiesHtml4, name) ? (characterEntitiesHtml4[name] as string) : reference;
    }
    const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : '\uFFFD';
  });
}

/** Decodes entity-encoded text; empty and whitespace-only text becomes undefined. */
export function decodeText(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = decodeEntities(value).trim();
  return text === '' ? undefined : text;
}

/** Every Sngine generation's gender: `male`/`female`/`other` (2.x), `1`/`2`/`3` (3.x), a name (4.x). */
export function normalizeGender(value: string | null | undefined): string | undefined {
  const text = decodeText(value);
  if (text === undefined || NO_GENDER.has(text.toLowerCase())) return undefined;
  return GENDERS[text.toLowerCase()] ?? text;
}

/** `profile_picture` unless it is the blank default, else `uploadsURL` + `user_picture`; http(s) only. */
export function pictureURL(info: KvixiUserInfo, uploadsURL: string): string | undefined {
  return pictureAt(info.profile_picture) ?? pictureAt(info.user_picture, uploadsURL);
}

/**
 * An http(s) URL the URL parser gives back as it is: a lower-case host whose last label starts
 * with a letter (no IPv4 to normalise, no port, no IDNA label), then a path without dot segments,
 * escapes or characters it would encode, and no query. Anything else goes through `new URL`.
 */
const PLAIN_ABSOLUTE = /^https?:\/\/(?![^/]*xn--)(?:[a-z\d-]+\.)*[a-z][a-z\d-]*(?=\/)/;
/** A relative path of such segments, which the parser appends as it is to a base that ends in `/`. */
const PLAIN_PATH = /^(?:[\w~-][\w.~-]*\/)*[\w~-][\w.~-]*$/;
const PLAIN_ABSOLUTE_PATH = /^(?:\/[\w~-][\w.~-]*)+\/?$/;
/**
 * The last base looked at (uploadsURL: one per strategy) and its pathname when the parser gives
 * it back as it is: http(s), ending in `/`, no query or fragment (any host: an IP and a port too).
 * Undefined when it does not; either way the base is parsed once, not once per login.
 */
let lastBase: string | undefined;
let lastBasePath: string | undefined;

function plainBasePath(base: string): string | undefined {
  if (base === lastBase) return lastBasePath;
  let path: string | undefined;
  try {
    const url = new URL(base);
    const web = url.protocol === 'http:' || url.protocol === 'https:';
    if (web && url.href === base && base.endsWith('/') && url.search === '' && url.hash === '') path = url.pathname;
  } catch {
    // Not a URL: every picture relative to it goes through the parser, which refuses it.
  }
  lastBase = base;
  lastBasePath = path;
  return path;
}

/** `value` resolved as `new URL(value, base).href` would, when that needs no parsing; else undefined. */
function plainURL(value: string, base: string | undefined): { href: string; pathname: string } | undefined {
  const origin = PLAIN_ABSOLUTE.exec(value);
  if (origin) {
    const pathname = value.slice(origin[0].length);
    return PLAIN_ABSOLUTE_PATH.test(pathname) ? { href: value, pathname } : undefined;
  }
  if (base === undefined || !PLAIN_PATH.test(value)) return undefined;
  const basePath = plainBasePath(base);
  return basePath === undefined ? undefined : { href: base + value, pathname: basePath + value };
}

function pictureAt(value: string | null | undefined, base?: string): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  // Most pictures are plain: no URL object for them (a login's profile is on its hot path).
  const plain = plainURL(trimmed, base);
  if (plain) return BLANK_AVATAR.test(plain.pathname) ? undefined : plain.href;
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch {
    return undefined;
  }
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  return web && !BLANK_AVATAR.test(url.pathname) ? url.href : undefined;
}

/** `YYYY-MM-DD` naming a day that exists: Sngine stores `1990-00-00` and the like for "not set". */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  // The proleptic Gregorian calendar, as Date counts.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}

/** Maps `get_user_info`'s `user_info` to a Passport profile. */
export function mapProfile(info: KvixiUserInfo, raw: string, site: ProfileSite): KvixiProfile {
  const username = decodeText(info.user_name);
  const givenName = decodeText(info.user_firstname);
  const familyName = decodeText(info.user_lastname);
  const email = info.user_email?.trim();
  const picture = pictureURL(info, site.uploadsURL);
  const gender = normalizeGender(info.user_gender);
  const birthday = info.user_birthdate?.trim();
  const id = info.user_id.trim();

  const profile: KvixiProfile = {
    provider: 'kvixi',
    id,
    displayName: (givenName && familyName ? `${givenName} ${familyName}` : givenName || familyName) || username || id,
    _raw: raw,
    _json: info,
  };
  if (username) {
    profile.username = username;
    profile.profileUrl = `${site.baseURL}/${encodeURIComponent(username)}`;
  }
  if (givenName || familyName) profile.name = { givenName: givenName ?? '', familyName: familyName ?? '' };
  if (email) profile.emails = [{ value: email }];
  if (picture) profile.photos = [{ value: picture }];
  if (gender) profile.gender = gender;
  if (birthday && isCalendarDate(birthday)) profile.birthday = birthday;
  return profile;
}
