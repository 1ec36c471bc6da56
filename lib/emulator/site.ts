import type { LoginQueue } from './login-queue.js';
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

/**
 * A Sngine release whose answers the emulator gives; see {@link sngineVersions} for what differs.
 *
 * @example
 * ```ts
 * const old = await startEmulator({ sngineVersion: '3.11' }); // user_gender "2", query-string exchange
 * ```
 */
export type SngineVersion = '2.7' | '3.11' | '4.0.3' | '4.2';

/** The major version whose `get_user_info` answers the site gives. */
export type SngineGeneration = 2 | 3 | 4;

/**
 * How each Sngine release answers: where `/api/authorize` reads its parameters (up to 4.0.3 the
 * query string, from 4.0.4 the form body), and the generation, which shapes `user_gender`
 * (`female`, `2`, `Female`) and whether `profile_picture` and `profile_cover` are sent (4.x only).
 */
export const sngineVersions: Readonly<Record<SngineVersion, { generation: SngineGeneration; authorizeMethods: readonly ('GET' | 'POST')[] }>> = {
  '2.7': { generation: 2, authorizeMethods: ['GET'] },
  '3.11': { generation: 3, authorizeMethods: ['GET'] },
  '4.0.3': { generation: 4, authorizeMethods: ['GET'] },
  '4.2': { generation: 4, authorizeMethods: ['POST'] },
};

/** Everything an endpoint needs to know about the emulated site. */
export interface Site {
  store: Store;
  name: string;
  /** Base URL without a trailing slash, known once the server listens. */
  url: string;
  language: SiteLanguage;
  developersEnabled: boolean;
  authorizeMethods: ReadonlySet<'GET' | 'POST'>;
  generation: SngineGeneration;
  /** False shows the consent page on every visit instead of redirecting a returning user at once. */
  rememberApprovals: boolean;
  /** Logins queued by `enqueueLogin`, taken by the next visit to `/api/oauth`. */
  logins: LoginQueue;
  /** Proves a dashboard form came from a page this emulator served. */
  csrfToken: string;
}

export function uploadsURL(site: Site): string {
  return `${site.url}/content/uploads/`;
}

export function defaultAvatarPath(gender: 'male' | 'female' | 'other'): string {
  return `/content/themes/default/images/blank_profile_${gender === 'female' ? 'female' : 'male'}.png`;
}

/** A JSON API answer before PHP encoding: an object, or `[]` for a deleted user. */
export type ApiReply = Record<string, unknown> | readonly never[];
