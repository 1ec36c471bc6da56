import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pictureURL } from '../lib/profile.js';
import { sampleUserInfo } from './support/provider.js';

// pictureURL skips the URL parser for plain URLs and paths: whatever Kvixi sends, its answer is
// the one `new URL(value, uploadsURL)` gives (http(s) only, the blank avatar dropped).

const BLANK_AVATAR = /\/images\/blank_profile_[a-z]*\.(?:png|jpe?g|svg|gif)$/i;

/** The picture as the URL parser alone makes it. */
function parsed(value: string | null, base?: string): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch {
    return undefined;
  }
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  return web && !BLANK_AVATAR.test(url.pathname) ? url.href : undefined;
}

/** Text rich in what a URL parser normalises: schemes, hosts, dot segments, escapes, case. */
const urlText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'https://', 'http://', 'HTTPS://', 'ftp://', '//', '/', '.', '..', './', '../', '/./', '/../', '%2e', '%2E.', '%41',
        'kvixi.com', 'KVIXI.com', 'cdn.', 'xn--', 'xn--nxasmq6b', '1.2.3', '127.0.0.1', '0x7f', '01', '-', '_', '~', ':',
        ':443', ':8080', '@', 'user:pw@', '?', '#', ' ', '\t', '\n', '\\', 'images/blank_profile_male.png',
        '/images/blank_profile_.JPG', 'photos/2024/a.jpg', 'é', '€', 'a', 'Z', '9',
      ),
      fc.string({ unit: 'grapheme-ascii', maxLength: 4 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** URLs built part by part, so that most come close to the plain form and differ in one place. */
const piece = (...extra: string[]) => fc.constantFrom('a', 'kvixi', 'cdn', 'Z', '9', '0', '-', '_', '~', '.', ...extra);
const structured = fc
  .tuple(
    fc.constantFrom('https://', 'http://', 'HTTP://', 'https:/', ''),
    fc.array(fc.array(piece('xn--', 'xn--nxasmq6b', '0x7f', '01', '255', '256', ''), { minLength: 1, maxLength: 3 }).map((p) => p.join('')), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.constantFrom('', ':443', ':80', ':8080', '.'),
    fc.array(fc.array(piece('..', '%2e', 'é', ' ', '?', '#', 'images', 'blank_profile_male.png', ''), { maxLength: 3 }).map((p) => p.join('')), {
      maxLength: 4,
    }),
  )
  .map(([scheme, labels, port, segments]) => `${scheme}${labels.join('.')}${port}${segments.map((segment) => `/${segment}`).join('')}`);

const base = fc.constantFrom(
  'https://kvixi.com/content/uploads/',
  'https://cdn.kvixi.test/uploads/',
  'http://127.0.0.1:8080/content/uploads/',
  'https://KVIXI.com/uploads/',
  'https://kvixi.com/a/../uploads/',
  'https://xn--nxasmq6b.com/uploads/',
  'https://1.2.3/uploads/',
  'http://[::1]:8080/uploads/',
  'http://[0:0::1]/uploads/',
  'https://kvixi.com:443/uploads/',
  'https://kvixi.com/uploads',
  'https://kvixi.com/up?loads/',
  'https://kvixi.com/uploads/#/',
  'https://user@kvixi.com/uploads/',
  'https://kvixi.com/%7Euploads/',
  'https://kvixi.com/~uploads/',
  'ftp://kvixi.com/uploads/',
);

describe('pictureURL', () => {
  it('gives what the URL parser gives, for profile_picture and for user_picture', () => {
    fc.assert(
      fc.property(fc.oneof(urlText, structured), base, (value, uploads) => {
        expect(pictureURL(sampleUserInfo({ profile_picture: value }), uploads)).toBe(parsed(value) ?? parsed(sampleUserInfo().user_picture, uploads));
        expect(pictureURL(sampleUserInfo({ profile_picture: null, user_picture: value }), uploads)).toBe(parsed(value, uploads));
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the plain forms Kvixi sends as they are', () => {
    expect(pictureURL(sampleUserInfo({ profile_picture: 'https://kvixi.com/content/uploads/photos/2024/05/x_1.jpg' }), 'https://kvixi.com/content/uploads/'))
      .toBe('https://kvixi.com/content/uploads/photos/2024/05/x_1.jpg');
    expect(pictureURL(sampleUserInfo({ profile_picture: null, user_picture: 'photos/2024/05/x_1.jpg' }), 'https://kvixi.com/content/uploads/'))
      .toBe('https://kvixi.com/content/uploads/photos/2024/05/x_1.jpg');
    expect(pictureURL(sampleUserInfo({ profile_picture: 'https://kvixi.com/content/themes/default/images/blank_profile_male.png', user_picture: null }), 'https://kvixi.com/content/uploads/'))
      .toBeUndefined();
  });
});
