// Run by test/client-node-transport.test.ts in a child process, where an uncaught exception or an
// unhandled rejection ends the process as it would a real server. Two ways http.request is
// changed under the client, as agents and instrumentation do:
//   agent: the global agent's createConnection throws (a misconfigured proxy agent);
//   headers: a wrapper adds its own header to the options' headers object (APM tracing).
// Prints one JSON line with what each request ended in, once the client's timeout has passed.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as HTTP from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KvixiClient } from '../../lib/index.js';

const http = createRequire(import.meta.url)('node:http') as typeof HTTP;
const TIMEOUT = 150;

const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    req.url?.startsWith('/api/get_user_info')
      ? JSON.stringify({ user_info: { user_id: '5', user_name: 'jane', user_traced: req.headers['x-trace-id'] ?? null } })
      : JSON.stringify({ access_token: 'tok' }),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const client = new KvixiClient({ appId: '1732698123456', appSecret: '0f3c9a1b2c3d4e5f60718293a4b5c6d7', baseURL, timeout: TIMEOUT });

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ ok: value }),
    (err: { code?: string; message?: string }) => ({ code: err.code, message: err.message }),
  );

const results: Record<string, unknown> = {};
if (process.argv[2] === 'agent') {
  http.globalAgent.createConnection = () => {
    throw new Error('proxy misconfigured');
  };
  results.exchange = await outcome(client.exchangeAuthKey('5d41402abc4b2a76b9719d911017c592'));
  results.userInfo = await outcome(client.getUserInfo('tok'));
} else {
  const request = http.request;
  http.request = ((options: HTTP.RequestOptions, ...rest: unknown[]) => {
    (options.headers as Record<string, string>)['x-trace-id'] = 'abc';
    return (request as (...args: unknown[]) => HTTP.ClientRequest)(options, ...rest);
  }) as typeof http.request;
  syncBuiltinESMExports();
  results.exchange = await outcome(client.exchangeAuthKey('5d41402abc4b2a76b9719d911017c592'));
  results.userInfo = await outcome(client.getUserInfo('tok').then((info) => info.user_traced ?? null));
}
// Past the client's timeout: a timer left armed for a request that never was would fire here.
await new Promise((resolve) => setTimeout(resolve, TIMEOUT * 3));
server.close();
console.log(JSON.stringify(results));
