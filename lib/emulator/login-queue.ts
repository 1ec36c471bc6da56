/**
 * What the user of a queued login does on the consent page: `approve` (Continue) or `cancel`.
 *
 * @example
 * ```ts
 * emu.enqueueLogin({ userId: jane.userId, decision: 'cancel' });
 * ```
 */
export type LoginDecision = 'approve' | 'cancel';

/**
 * A login `enqueueLogin` queued: the next browser visit to `/api/oauth` is answered as if this
 * user had signed in and made this decision.
 *
 * @example
 * ```ts
 * const login: QueuedLogin = { userId: '1', decision: 'approve' };
 * emu.enqueueLogin(login);
 * ```
 */
export interface QueuedLogin {
  userId: string;
  /** Default `'approve'`. */
  decision?: LoginDecision;
}

export const loginDecisions: readonly LoginDecision[] = ['approve', 'cancel'];

/** Queued logins, first in, first out. */
export class LoginQueue {
  private readonly queue: Required<QueuedLogin>[] = [];

  add(login: Required<QueuedLogin>): void {
    this.queue.push(login);
  }

  take(): Required<QueuedLogin> | undefined {
    return this.queue.shift();
  }

  clear(): void {
    this.queue.length = 0;
  }
}
