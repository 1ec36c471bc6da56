/** A request the emulator received, with every secret replaced by `***`. */
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

export function maskSecrets(params: URLSearchParams | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!params) return out;
  for (const [name, value] of params) out[name] = secretNames.has(name) ? '***' : value;
  return out;
}

/** The most recent requests, capped so a long run does not grow without bound. */
export class RequestLog {
  private readonly entries: RecordedRequest[] = [];

  constructor(private readonly limit: number) {}

  add(entry: RecordedRequest): void {
    this.entries.push(entry);
    // Trim in batches: dropping one entry per request would copy the whole log every time.
    if (this.entries.length >= this.limit * 2) this.entries.splice(0, this.entries.length - this.limit);
  }

  list(): readonly RecordedRequest[] {
    return this.entries.slice(-this.limit);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
