// The loopback provider of test/bench/cpu.mjs, in a process of its own so that its CPU is not
// counted: answers Kvixi's and GitHub's endpoints with the bodies it is given, keep-alive.

import { createServer } from 'node:http';

const { kvixiToken, kvixiUserInfo, githubToken, githubUser } = JSON.parse(process.argv[2]);
const replies = new Map([
  ['/api/authorize', kvixiToken],
  ['/api/get_user_info', kvixiUserInfo],
  ['/login/oauth/access_token', githubToken],
  ['/user', githubUser],
]);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const reply = replies.get(req.url.split('?')[0]);
    if (reply === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) }).end(reply);
  });
});
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));
