import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { KvixiRedisClaimStore, type KvixiClaimStore } from 'passport-kvixi';
import { createClient } from 'redis';

export interface RedisSessions {
  store: Store;
  /** The record of used pending logins, shared by every instance: `SET … NX PX` on the same Redis. */
  claimStore: KvixiClaimStore;
  close(): Promise<void>;
}

/**
 * Sessions and the strategy's claims in Redis, set up so that a Redis that is down or stops
 * answering gives a 503 page quickly instead of a request that hangs.
 */
export async function connectRedisSessions(url: string, onError: (err: Error) => void = () => undefined): Promise<RedisSessions> {
  const client = createClient({
    url,
    // Fail a command at once while Redis is down instead of queueing it, and give up on one that
    // waits to be written for more than a second; app.ts times out the whole store call.
    disableOfflineQueue: true,
    commandOptions: { timeout: 1000 },
    socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 1000) },
  });
  client.on('error', onError);
  await client.connect();
  return {
    store: new RedisStore({ client, prefix: 'kvixi-example:' }),
    claimStore: new KvixiRedisClaimStore(client, { prefix: 'kvixi-example:claimed:' }),
    close: async () => {
      client.destroy();
    },
  };
}
