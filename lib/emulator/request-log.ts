/**
 * A request the emulator received, with every secret replaced by `***`.
 *
 * @example
 * ```ts
 * const exchanges = emu.requests.filter((r) => r.path === '/api/authorize');
 * expect(exchanges[0].body).toEqual({ app_id: appId, app_secret: '***', auth_key: '***' });
 * ```
 */
export interface RecordedRequest {
  /** Milliseconds on the emulator's clock. */
  time: number;
  method: string;
  path: string;
  /** Query parameters; the last one wins when a name repeats, as in PHP. */
  query: Record<string, string>;
  /** Form body parameters, or undefined when there was no form body. */
  body: Record<string, string> | undefined;
}

const secretNames = new Set(['app_secret', 'auth_key', 'access_token', 'password']);

export function maskSecrets(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) out[name] = secretNames.has(name) ? '***' : value;
  return out;
}

/** A request as received; masked only when read, to keep the hot path free of copying. */
export interface ReceivedRequest {
  time: number;
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams | undefined;
}

/** The most recent requests, capped so a long run does not grow without bound. */
export class RequestLog {
  private readonly entries: ReceivedRequest[] = [];

  constructor(private readonly limit: number) {}

  add(entry: ReceivedRequest): void {
    this.entries.push(entry);
    // Trim in batches: dropping one entry per request would copy the whole log every time.
    if (this.entries.length >= this.limit * 2) this.entries.splice(0, this.entries.length - this.limit);
  }

  list(): readonly RecordedRequest[] {
    return this.entries.slice(-this.limit).map(({ time, method, path, query, form }) => ({
      time, method, path, query: maskSecrets(query), body: form && maskSecrets(form),
    }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
