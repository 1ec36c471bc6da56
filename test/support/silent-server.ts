import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server that accepts connections and never answers: a provider that hangs. */
export async function startSilentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
