import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type KvixiEmulator, type NewApp, type NewUser } from '../../lib/emulator/index.js';

// Seeds come from JSON files people write by hand: a wrong type must be named, not crash later.

const running: KvixiEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
});

async function start(options: Parameters<typeof startEmulator>[0]): Promise<KvixiEmulator> {
  const emu = await startEmulator(options);
  running.push(emu);
  return emu;
}

describe('startEmulator seeds', () => {
  it('throws a TypeError naming a numeric userId or username', async () => {
    await expect(start({ users: [{ userId: 5 } as unknown as NewUser] })).rejects.toThrow(
      new TypeError('startEmulator() requires users[0].userId to be a decimal number as a string, e.g. "5", got a number'),
    );
    await expect(start({ users: [{ username: 'ok' }, { username: 42 } as unknown as NewUser] })).rejects.toThrow(
      /^startEmulator\(\) requires users\[1\]\.username to be a non-blank string, got a number$/,
    );
  });

  it('names a gender, relationship, date or flag it cannot store', async () => {
    const cases: [unknown, RegExp][] = [
      [{ gender: 'f' }, /users\[0\]\.gender to be one of male, female, other/],
      [{ relationship: 'open' }, /users\[0\]\.relationship to be one of single/],
      [{ birthdate: '17/05/1990' }, /users\[0\]\.birthdate to be YYYY-MM-DD or null/],
      [{ verified: 'yes' }, /users\[0\]\.verified to be true or false/],
      [{ firstName: 'Jane' }, /known field names, got users\[0\]\.firstName/],
      ['jane', /users\[0\] to be an object, got a string/],
    ];
    for (const [user, message] of cases) {
      await expect(start({ users: [user as NewUser] })).rejects.toThrow(message);
    }
  });

  it('names a bad app field without echoing a secret', async () => {
    await expect(start({ apps: [{ name: 'A' } as NewApp] })).rejects.toThrow('startEmulator() requires apps[0].redirectURL, which is missing');
    await expect(start({ apps: [{ name: 'A', redirectURL: 'ftp://x/cb' }] })).rejects.toThrow(/apps\[0\]\.redirectURL to be an absolute http or https URL/);
    await expect(start({ apps: [{ name: 'A', redirectURL: 'http://x/cb', appId: 7 as unknown as string }] })).rejects.toThrow(/apps\[0\]\.appId to be a decimal number/);
    const secret = 'my secret with spaces';
    const refused = start({ apps: [{ name: 'A', redirectURL: 'http://x/cb', appSecret: secret }] });
    await expect(refused).rejects.toThrow(/apps\[0\]\.appSecret to be a non-blank string of visible ASCII characters, got another string/);
    await expect(refused).rejects.not.toThrow(secret);
  });

  it('stores nothing from a seed list with one bad entry', async () => {
    await expect(start({ users: [{ username: 'fine' }, { username: '' }] })).rejects.toThrow(/users\[1\]\.username/);
  });
});

describe('addUser and registerApp', () => {
  it('throw a TypeError naming the field', async () => {
    const emu = await start({});
    expect(() => emu.addUser({ username: 42 } as unknown as NewUser)).toThrow(new TypeError('addUser() requires username to be a non-blank string, got a number'));
    expect(() => emu.registerApp({ name: 'A', redirectURL: 'not a url' })).toThrow(/^registerApp\(\) requires redirectURL to be an absolute http or https URL/);
    expect(emu.users).toEqual([]);
    expect(emu.apps).toEqual([]);
  });

  it('store a redirect URL with a character beyond Latin-1 percent-encoded, and an IDN host in punycode', async () => {
    const emu = await start({ users: [{ username: 'jane' }] });
    const euro = emu.registerApp({ name: 'Euro', redirectURL: 'http://localhost:3000/€/cb' });
    expect(euro.redirectURL).toBe('http://localhost:3000/%E2%82%AC/cb');
    const idn = emu.registerApp({ name: 'IDN', redirectURL: 'http://bücher.example/cb?q=ü' });
    expect(idn.redirectURL).toBe('http://xn--bcher-kva.example/cb?q=%C3%BC');
    for (const app of [euro, idn]) {
      emu.enqueueLogin({ userId: emu.users[0]!.userId });
      const res = await fetch(`${emu.url}/api/oauth?app_id=${app.appId}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(new RegExp(`^${app.redirectURL.replace(/[?.]/g, '\\$&')}\\?auth_key=[0-9a-f]{32}$`));
    }
  });
});
