import type { KvixiProfile } from '../../lib/index.js';

/** The app's own account, as the README recipes keep it. */
export interface User {
  id: string;
  kvixiId: string;
  name: string;
}

/** The `users` table the README recipes talk to, in memory. */
export class Users {
  readonly #byId = new Map<string, User>();

  upsertByKvixiId(kvixiId: string, profile: Pick<KvixiProfile, 'displayName'>): User {
    const existing = [...this.#byId.values()].find((user) => user.kvixiId === kvixiId);
    const user = { id: existing?.id ?? `u${this.#byId.size + 1}`, kvixiId, name: profile.displayName };
    this.#byId.set(user.id, user);
    return user;
  }

  findById(id: string): User | undefined {
    return this.#byId.get(id);
  }
}
