import { describe, expect, it } from 'vitest';
import { decodeEntities, mapProfile, normalizeGender } from '../lib/profile.js';
import { phpJSON, sampleUserInfo } from './support/provider.js';

const site = { baseURL: 'https://kvixi.test', uploadsURL: 'https://cdn.kvixi.test/uploads/' };

function profileOf(overrides: Parameters<typeof sampleUserInfo>[0] = {}) {
  const info = sampleUserInfo(overrides);
  return mapProfile(info, phpJSON({ user_info: info }), site);
}

describe('profile mapping', () => {
  it('maps the sample user to a Portable Contacts profile', () => {
    const info = sampleUserInfo();
    const raw = phpJSON({ user_info: info });
    expect(mapProfile(info, raw, site)).toEqual({
      provider: 'kvixi',
      id: '5',
      username: 'jane',
      displayName: "Jane O'Brien",
      name: { givenName: 'Jane', familyName: "O'Brien" },
      emails: [{ value: 'jane@example.com' }],
      photos: [{ value: 'https://kvixi.test/content/uploads/photos/2024/05/sngine_0f3c.jpg' }],
      gender: 'female',
      birthday: '1990-05-17',
      profileUrl: 'https://kvixi.test/jane',
      _raw: raw,
      _json: info,
    });
  });

  it('never marks the e-mail verified, whatever user_verified says', () => {
    expect(profileOf({ user_verified: '1' }).emails).toEqual([{ value: 'jane@example.com' }]);
  });

  it('leaves emails out when Kvixi sent no address', () => {
    expect(profileOf({ user_email: null })).not.toHaveProperty('emails');
    expect(profileOf({ user_email: '' })).not.toHaveProperty('emails');
  });

  it('falls back to the user name, then the id, for displayName', () => {
    expect(profileOf({ user_firstname: null, user_lastname: '' }).displayName).toBe('jane');
    expect(profileOf({ user_firstname: null, user_lastname: null, user_name: null }).displayName).toBe('5');
  });

  it('leaves username and profileUrl out when there is no user name', () => {
    const profile = profileOf({ user_name: null });
    expect(profile).not.toHaveProperty('username');
    expect(profile).not.toHaveProperty('profileUrl');
  });

  it('keeps a profile URL safe when the user name has URL syntax', () => {
    expect(profileOf({ user_name: 'a/b?c' }).profileUrl).toBe('https://kvixi.test/a%2Fb%3Fc');
  });

  it('drops a birthday that is not a date', () => {
    expect(profileOf({ user_birthdate: null })).not.toHaveProperty('birthday');
    expect(profileOf({ user_birthdate: '0000-00-00' })).not.toHaveProperty('birthday');
    expect(profileOf({ user_birthdate: 'soon' })).not.toHaveProperty('birthday');
  });

  it.each(['1990-00-00', '1990-05-00', '2020-13-45', '2021-02-29', '1990-04-31', '0000-01-01'])(
    'drops %s, which is no day of the calendar',
    (birthdate) => {
      expect(profileOf({ user_birthdate: birthdate })).not.toHaveProperty('birthday');
    },
  );

  it.each(['2020-02-29', '1900-12-31', '0001-01-01'])('keeps %s, a real day', (birthdate) => {
    expect(profileOf({ user_birthdate: birthdate }).birthday).toBe(birthdate);
  });
});

describe('entity decoding', () => {
  it.each([
    ['O&#039;Brien', "O'Brien"],
    ['Caf&eacute;', 'Café'],
    ['Jos&eacute;', 'José'],
    ['Tom &amp; Jerry', 'Tom & Jerry'],
    ['&lt;script&gt;', '<script>'],
    ['&quot;Q&quot;', '"Q"'],
    ['Zo&euml;', 'Zoë'],
  ])('decodes %s to %s', (encoded, decoded) => {
    expect(profileOf({ user_lastname: encoded }).name?.familyName).toBe(decoded);
  });

  it.each([
    ['&amp;lt;b&amp;gt;', '&lt;b&gt;'],
    ['&#x1F600;', '\u{1F600}'],
    ['&#0;', '\uFFFD'],
    ['&#xD800;', '\uFFFD'],
    ['&#99999999;', '&#99999999;'],
    ['&nosuchentity;', '&nosuchentity;'],
    ['AT&T', 'AT&T'],
    ['&constructor;', '&constructor;'],
  ])('decodes %s once, and safely, to %s', (encoded, decoded) => {
    expect(decodeEntities(encoded)).toBe(decoded);
  });

  it('decodes the user name and the display name', () => {
    const profile = profileOf({ user_name: 'caf&eacute;', user_firstname: 'Ren&eacute;e', user_lastname: null });
    expect(profile.username).toBe('café');
    expect(profile.displayName).toBe('Renée');
  });

  it('keeps _json exactly as received', () => {
    expect(profileOf()._json.user_lastname).toBe('O&#039;Brien');
  });
});

describe('gender', () => {
  it.each([
    ['male', 'male'],
    ['female', 'female'],
    ['other', 'other'],
    ['1', 'male'],
    ['2', 'female'],
    ['3', 'other'],
    ['Male', 'male'],
    ['Female', 'female'],
    ['Other', 'other'],
  ])('normalises Sngine %s to %s', (sent, expected) => {
    expect(normalizeGender(sent)).toBe(expected);
  });

  it.each([null, '', 'N/A', '0'])('leaves gender out for %s', (sent) => {
    expect(profileOf({ user_gender: sent })).not.toHaveProperty('gender');
  });

  it("keeps a gender in the site's own language as decoded text", () => {
    expect(normalizeGender('&#1584;&#1603;&#1585;')).toBe('ذكر');
  });
});

describe('pictures', () => {
  it('uses profile_picture when Sngine 4.x sends it', () => {
    expect(profileOf().photos).toEqual([{ value: 'https://kvixi.test/content/uploads/photos/2024/05/sngine_0f3c.jpg' }]);
  });

  it('resolves user_picture against uploadsURL when there is no profile_picture (Sngine 2.x and 3.x)', () => {
    expect(profileOf({ profile_picture: undefined }).photos).toEqual([
      { value: 'https://cdn.kvixi.test/uploads/photos/2024/05/sngine_0f3c.jpg' },
    ]);
  });

  it('skips the blank default avatar', () => {
    const profile = profileOf({
      user_picture: null,
      profile_picture: 'https://kvixi.test/content/themes/default/images/blank_profile_male.png',
    });
    expect(profile).not.toHaveProperty('photos');
  });

  it('prefers the real picture over a blank profile_picture', () => {
    const profile = profileOf({ profile_picture: 'https://kvixi.test/content/themes/default/images/blank_profile_female.png' });
    expect(profile.photos).toEqual([{ value: 'https://cdn.kvixi.test/uploads/photos/2024/05/sngine_0f3c.jpg' }]);
  });

  it('refuses a picture that is not http(s)', () => {
    const profile = profileOf({ profile_picture: 'javascript:alert(1)', user_picture: 'javascript:alert(1)' });
    expect(profile).not.toHaveProperty('photos');
  });
});
