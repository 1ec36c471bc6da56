import { STATUS_CODES } from 'node:http';

/**
 * The endpoints that `failNext` can break.
 *
 * @example
 * ```ts
 * emu.failNext('get_user_info', { type: 'hang' });
 * ```
 */
export type FaultEndpoint = 'oauth' | 'authorize' | 'get_user_info';

/**
 * How the next call to an endpoint misbehaves.
 * - `error`: the provider refuses with this message (`{"error":true,"message":…}`, or an HTML
 *   page for `oauth`), HTTP 200 as the real server does.
 * - `http`: a raw reply with this status and body, e.g. a PHP warning or a 502 from a proxy.
 *   Without a body, a 4xx or 5xx answers the page a proxy (nginx) writes for it: `502 Bad Gateway`.
 * - `delay`: the normal answer, after `ms` milliseconds.
 * - `hang`: no answer at all until the emulator closes.
 *
 * @example
 * ```ts
 * emu.failNext('authorize', { type: 'error', message: 'Bad Request, invalid auth_key' });
 * emu.failNext('get_user_info', { type: 'http', status: 200, body: '<br /><b>Warning</b>: …' });
 * emu.failNext('authorize', { type: 'delay', ms: 5000 });
 * ```
 */
export type EmulatorFault =
  | { type: 'error'; message: string }
  | { type: 'http'; status: number; body?: string; contentType?: string }
  | { type: 'delay'; ms: number }
  | { type: 'hang' };

const endpoints: readonly FaultEndpoint[] = ['oauth', 'authorize', 'get_user_info'];

/** One queue of pending faults per endpoint; each call takes the oldest. */
export class FaultQueue {
  private readonly queues = new Map<FaultEndpoint, EmulatorFault[]>();

  add(endpoint: FaultEndpoint, fault: EmulatorFault): void {
    if (!endpoints.includes(endpoint)) {
      throw new TypeError(`failNext() endpoint must be one of ${endpoints.join(', ')}`);
    }
    validate(fault);
    const queue = this.queues.get(endpoint) ?? [];
    queue.push(fault);
    this.queues.set(endpoint, queue);
  }

  take(endpoint: FaultEndpoint): EmulatorFault | undefined {
    return this.queues.get(endpoint)?.shift();
  }

  clear(): void {
    this.queues.clear();
  }
}

function validate(fault: EmulatorFault): void {
  switch (fault?.type) {
    case 'error':
      if (typeof fault.message !== 'string') throw new TypeError('an error fault requires a message (a string)');
      return;
    case 'http':
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        throw new TypeError('an http fault requires a status from 200 to 599');
      }
      if (fault.body !== undefined && typeof fault.body !== 'string') throw new TypeError('an http fault body must be a string');
      if (fault.contentType !== undefined && !(typeof fault.contentType === 'string' && /^[\x20-\x7e]+$/.test(fault.contentType))) {
        throw new TypeError('an http fault contentType must be a header value of visible ASCII');
      }
      return;
    case 'delay':
      if (!(typeof fault.ms === 'number' && fault.ms >= 0 && fault.ms <= 2_147_483_647)) throw new TypeError('a delay fault requires ms, a number from 0 to 2147483647');
      return;
    case 'hang':
      return;
    default:
      throw new TypeError('a fault requires type error, http, delay or hang');
  }
}

/** The error page nginx writes for a status (`<h1>502 Bad Gateway</h1>`), with the `lang`, title and landmarks a page needs. */
export function proxyErrorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body>
<main><center><h1>${title}</h1></center></main>
<hr><footer><center>nginx</center></footer>
</body>
</html>
`;
}
