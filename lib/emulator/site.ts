import type { Store } from './store.js';

/** Gender names in the languages the emulated site can speak, as Sngine 4.x sends them. */
export const genderNames = {
  en_us: { male: 'Male', female: 'Female', other: 'N/A' },
  ar_sa: { male: 'ذكر', female: 'أنثى', other: 'غير محدد' },
} as const;

/**
 * A language the emulated site can run in.
 *
 * @example
 * ```ts
 * const arabic = await startEmulator({ language: 'ar_sa' }); // user_gender "ذكر" unless &lang=en_us
 * ```
 */
export type SiteLanguage = keyof typeof genderNames;

/** Everything an endpoint needs to know about the emulated site. */
export interface Site {
  store: Store;
  name: string;
  /** Base URL without a trailing slash, known once the server listens. */
  url: string;
  language: SiteLanguage;
  developersEnabled: boolean;
  authorizeMethods: ReadonlySet<'GET' | 'POST'>;
}

export function uploadsURL(site: Site): string {
  return `${site.url}/content/uploads/`;
}

export function defaultAvatarPath(gender: 'male' | 'female' | 'other'): string {
  return `/content/themes/default/images/blank_profile_${gender === 'female' ? 'female' : 'male'}.png`;
}

/** A JSON API answer before PHP encoding: an object, or `[]` for a deleted user. */
export type ApiReply = Record<string, unknown> | readonly never[];
