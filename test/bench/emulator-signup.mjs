// Emulator sign-ups as users pile up: milliseconds per POST /signup (same first name, so the
// generated username has to skip every taken one) at 500, 2,000 and 10,000 users. The target is
// that the cost does not grow with the number of users.
const { startEmulator } = await import('../../dist/emulator/index.js');

const SIGNUPS = 200;

for (const count of [500, 2_000, 9_000]) {
  const emu = await startEmulator({ users: Array.from({ length: count }, (_, i) => ({ username: `seed${i}`, firstname: 'Seed' })) });
  const started = performance.now();
  for (let i = 0; i < SIGNUPS; i++) {
    const res = await fetch(`${emu.url}/signup`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ firstname: 'Jane' }) });
    if (res.status !== 302) throw new Error(`sign-up answered ${res.status}`);
    await res.arrayBuffer();
  }
  const ms = (performance.now() - started) / SIGNUPS;
  console.log(`${String(count).padStart(6)} users: ${ms.toFixed(2)} ms per sign-up`);
  await emu.close();
}
