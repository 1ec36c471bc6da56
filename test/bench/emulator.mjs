// Emulator throughput: authorize + get_user_info pairs per second from concurrent keep-alive
// clients on loopback, next to a bare node:http server answering the same JSON (the ceiling).
// Each server runs in its own worker thread so it has a core to itself, as the clients do.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';

const CONCURRENCY = 16;
const WARMUP_MS = 700;
const WINDOW_MS = 600;
const ROUNDS = 5;
const KEYS = 150_000;

async function serve(kind) {
  if (kind === 'emulator') {
    const { startEmulator } = await import('../../dist/emulator/index.js');
    const emu = await startEmulator({ authorizeMethods: ['POST'] });
    const users = Array.from({ length: 50 }, (_, i) => emu.addUser({ firstname: 'José', lastname: `O'Brien ${i}` }));
    // Each app and user keeps at most 5 unused auth keys, so the keys are spread over 600 apps.
    const apps = Array.from({ length: KEYS / 5 / users.length }, (_, i) => emu.registerApp({ name: `Bench ${i}`, redirectURL: 'http://127.0.0.1:9/cb' }));
    const pairs = apps.length * users.length;
    // Issued outside the timed part: a real approval is a browser round trip, not what is measured.
    const bodies = Array.from({ length: KEYS }, (_, i) => {
      const app = apps[Math.floor((i % pairs) / users.length)];
      const authKey = emu.issueAuthKey({ appId: app.appId, userId: users[i % users.length].userId });
      return `app_id=${app.appId}&app_secret=${app.appSecret}&auth_key=${authKey}`;
    });
    parentPort.postMessage({ url: emu.url, bodies });
    parentPort.once('message', () => emu.close().then(() => process.exit(0)));
    return;
  }
  const { startEmulator } = await import('../../dist/emulator/index.js');
  // The bare server sends the exact bytes the emulator would, captured once before it starts.
  const probe = await startEmulator();
  const app = probe.registerApp({ name: 'Bench', redirectURL: 'http://127.0.0.1:9/cb' });
  const user = probe.addUser({ firstname: 'José', lastname: "O'Brien 0" });
  const key = probe.issueAuthKey({ appId: app.appId, userId: user.userId });
  const tokenBody = await (await fetch(`${probe.url}/api/authorize`, { method: 'POST', body: new URLSearchParams({ app_id: app.appId, app_secret: app.appSecret, auth_key: key }) })).text();
  const { access_token } = JSON.parse(tokenBody);
  const infoBody = await (await fetch(`${probe.url}/api/get_user_info?access_token=${access_token}`)).text();
  await probe.close();
  const server = createServer({ keepAlive: true }, (req, res) => {
    const body = req.url.startsWith('/api/authorize') ? tokenBody : infoBody;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const bodies = Array.from({ length: KEYS }, (_, i) => `app_id=${app.appId}&app_secret=${'x'.repeat(32)}&auth_key=${i.toString(16).padStart(32, '0')}`);
    parentPort.postMessage({ url: `http://127.0.0.1:${server.address().port}`, bodies });
  });
  parentPort.once('message', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

/**
 * A lean keep-alive HTTP/1.1 connection: node:http's client costs more CPU than the servers
 * under test, and on two cores it would be the client that got measured.
 */
class Connection {
  constructor(port) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.buffer = Buffer.alloc(0);
    this.pending = undefined;
    this.socket.on('data', (chunk) => this.receive(chunk));
    this.socket.on('error', (error) => this.pending?.reject(error));
  }

  send(head, body = '') {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  receive(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end === -1) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < end + 4 + length) return;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    const { resolve } = this.pending;
    this.pending = undefined;
    resolve(body);
  }
}

/** Runs pairs until `ms` has passed; returns pairs completed. Every answer is checked. */
async function drive(target, cursor, ms) {
  const port = Number(new URL(target.url).port);
  const deadline = performance.now() + ms;
  const connections = Array.from({ length: CONCURRENCY }, () => new Connection(port));
  let pairs = 0;
  async function client(connection) {
    while (performance.now() < deadline) {
      const body = target.bodies[cursor.next++];
      if (body === undefined) throw new Error('ran out of pre-issued auth keys; raise KEYS');
      const head = `POST /api/authorize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;
      const { access_token } = JSON.parse(await connection.send(head, body));
      if (!access_token) throw new Error('authorize refused a pre-issued key');
      const info = await connection.send(`GET /api/get_user_info?access_token=${access_token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      if (!info.startsWith('{"user_info":')) throw new Error(`get_user_info answered ${info.slice(0, 80)}`);
      pairs++;
    }
  }
  await Promise.all(connections.map(client));
  for (const connection of connections) connection.socket.destroy();
  return pairs;
}

async function startWorker(kind) {
  const worker = new Worker(new URL(import.meta.url));
  const ready = new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  worker.postMessage(kind);
  return { worker, target: await ready, cursor: { next: 0 } };
}

async function rate(server, ms) {
  const started = performance.now();
  const pairs = await drive(server.target, server.cursor, ms);
  return pairs / ((performance.now() - started) / 1000);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  console.log(`authorize + get_user_info pairs/s, ${CONCURRENCY} keep-alive clients, loopback, ${availableParallelism()} cores, Node ${process.version}`);
  const bare = await startWorker('bare');
  const emulator = await startWorker('emulator');
  await rate(bare, WARMUP_MS);
  await rate(emulator, WARMUP_MS);
  // Short alternating windows, so a neighbour's load or CPU throttling hits both sides alike.
  const rates = { bare: [], emulator: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    rates.bare.push(await rate(bare, WINDOW_MS));
    rates.emulator.push(await rate(emulator, WINDOW_MS));
    const ratio = rates.emulator.at(-1) / rates.bare.at(-1);
    console.log(`  window ${round}: bare node:http ${rates.bare.at(-1).toFixed(0)}/s, emulator ${rates.emulator.at(-1).toFixed(0)}/s (${(ratio * 100).toFixed(0)}%)`);
  }
  for (const { worker } of [bare, emulator]) {
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
  const ceiling = median(rates.bare);
  const achieved = median(rates.emulator);
  console.log(`bare node:http (ceiling): ${ceiling.toFixed(0)} pairs/s (median)`);
  console.log(`emulator:                 ${achieved.toFixed(0)} pairs/s (median)`);
  console.log(`ratio:                    ${((achieved / ceiling) * 100).toFixed(1)}% of the ceiling (aim: at least 60%)`);
}

if (isMainThread) await main();
else parentPort.once('message', serve);
