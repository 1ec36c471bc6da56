// Starts logins on 127.0.0.1 for a strategy whose callbackURL is on localhost, then sends two
// callbacks that find no pending login, with NODE_DEBUG=passport-kvixi set by the parent: the
// debug lines and the process warning go to stderr.
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { KvixiStrategy } from '../../dist/index.js';

const app = express();
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const port = server.address().port;
const passport = new Passport();
passport.use(
  new KvixiStrategy(
    // Never reached: no callback here gets as far as the provider.
    { appId: '1', appSecret: '0f3c9a1b2c3d4e5f60718293a4b5c6d7', baseURL: 'http://127.0.0.1:9', callbackURL: `http://localhost:${port}/auth/kvixi/callback` },
    async (_tokens, profile) => ({ id: profile.id }),
  ),
);
app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
app.get('/auth/kvixi', passport.authenticate('kvixi'));
app.get('/auth/kvixi/callback', (req, res, next) =>
  passport.authenticate('kvixi', (err, _user, info) => (err ? next(err) : res.status(403).json(info)))(req, res, next),
);

const url = `http://127.0.0.1:${port}`;
const cookiesOf = (res) => Object.fromEntries(res.headers.getSetCookie().map((line) => line.split(';')[0].split('=')));
const first = cookiesOf(await fetch(`${url}/auth/kvixi`, { redirect: 'manual' }));
const second = cookiesOf(await fetch(`${url}/auth/kvixi`, { redirect: 'manual' }));
const noCookie = await fetch(`${url}/auth/kvixi/callback?auth_key=a0a0a0a0`);
const elsewhere = await fetch(`${url}/auth/kvixi/callback?auth_key=a0a0a0a0`, {
  headers: { cookie: `connect.sid=${first['connect.sid']}; kvixi_browser=${second.kvixi_browser}` },
});
const reasons = [(await noCookie.json()).reason, (await elsewhere.json()).reason];
if (reasons.join() !== 'no-cookie,not-started-here') throw new Error(`unexpected reasons ${reasons}`);
server.close();
