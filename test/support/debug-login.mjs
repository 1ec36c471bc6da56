// Runs one login through the built strategy against a provider on loopback whose values hold
// CR/LF, with NODE_DEBUG=passport-kvixi set by the parent: the debug lines go to stderr.
import { createServer } from 'node:http';
import { KvixiStrategy } from '../../dist/index.js';

const hostile = '5\r\nFORGED LOG LINE\u001b[31m';
const provider = createServer(async (req, res) => {
  res.setHeader('content-type', 'application/json');
  let body = '';
  for await (const chunk of req) body += chunk;
  if (req.url.startsWith('/api/authorize')) {
    const refused = new URLSearchParams(body).get('auth_key') === 'refused-refused';
    const reply = refused
      ? { error: true, message: 'Bad Request\r\nFORGED LOG LINE, invalid app_secret' }
      : { access_token: '7e2a4f6b8c0d1e3f5a7b9c1d3e5f7a9b' };
    res.end(JSON.stringify(reply));
    return;
  }
  res.end(JSON.stringify({ user_info: { user_id: hostile, user_name: 'jane' } }));
});
await new Promise((resolve) => provider.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${provider.address().port}`;

const strategy = new KvixiStrategy(
  { appId: '1', appSecret: '0f3c9a1b2c3d4e5f60718293a4b5c6d7', baseURL },
  async (_tokens, profile) => ({ id: profile.id }),
);
const session = {};
const run = (url, method = 'GET') =>
  new Promise((resolve) => {
    const req = { url, method, headers: {}, session };
    const outcome = Object.create(strategy);
    for (const action of ['success', 'fail', 'redirect', 'error', 'pass']) outcome[action] = (...args) => resolve([action, ...args]);
    outcome.authenticate(req, {});
  });
await run('/auth/kvixi');
const refused = await run('/auth/kvixi/callback?auth_key=refused-refused');
await run('/auth/kvixi');
const signedIn = await run('/auth/kvixi/callback?auth_key=accepted-accepted');
if (refused[0] !== 'error' || signedIn[0] !== 'success') throw new Error(`unexpected outcomes ${refused[0]} ${signedIn[0]}`);
provider.close();
