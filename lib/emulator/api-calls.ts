import { channel } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { maskSecrets, type ReceivedRequest, type RecordedRequest } from './request-log.js';

/**
 * The emulator's `node:diagnostics_channel` names: `apiCall` carries one `EmulatorApiCall` per
 * request to `/api/*` once it is answered, so a test can watch the provider side as it happens.
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { EMULATOR_CHANNELS, type EmulatorApiCall } from 'passport-kvixi/emulator';
 *
 * diagnostics_channel.subscribe(EMULATOR_CHANNELS.apiCall, (message) => {
 *   const call = message as EmulatorApiCall;
 *   if (call.endpoint === 'authorize') console.log(call.outcome, call.message ?? '');
 * });
 * ```
 */
export const EMULATOR_CHANNELS = {
  apiCall: 'passport-kvixi:emulator:api-call',
} as const;

/** An API call the emulator answered. Secrets in the request are `***`, as in `emu.requests`. */
export interface EmulatorApiCall {
  /** The API name: `oauth`, `authorize`, `get_user_info`, or whatever else was asked for. */
  endpoint: string;
  request: RecordedRequest;
  /** The HTTP status answered (Sngine answers API errors with 200 too). */
  status: number;
  /**
   * `ok`: a JSON answer without `error`, or a page; `error`: a JSON `{"error":true}` answer, whose
   * `message` is Sngine's words; `fault`: an injected fault answered instead.
   */
  outcome: 'ok' | 'error' | 'fault';
  message?: string;
}

const apiCalls = channel(EMULATOR_CHANNELS.apiCall);

/** While someone listens, publishes the call once its answer is sent; otherwise costs nothing. */
export function watchApiCall(endpoint: string, received: ReceivedRequest, res: ServerResponse, fault: boolean): void {
  if (!apiCalls.hasSubscribers) return;
  let body = '';
  const end = res.end;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    const [chunk] = args;
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) body = chunk.toString();
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
  res.once('finish', () => {
    const call: EmulatorApiCall = {
      endpoint,
      request: { ...received, query: maskSecrets(received.query), body: received.form && maskSecrets(received.form) },
      status: res.statusCode,
      outcome: fault ? 'fault' : 'ok',
    };
    if (!fault) {
      const reply = jsonError(body);
      if (reply !== undefined) Object.assign(call, { outcome: 'error', message: reply });
    }
    apiCalls.publish(call);
  });
}

function jsonError(body: string): string | undefined {
  if (!body.startsWith('{"error"')) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    return parsed.error === true && typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
