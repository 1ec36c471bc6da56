import { channel, tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

/**
 * The `node:diagnostics_channel` names passport-kvixi publishes on. Each phase is a
 * `TracingChannel` (subscribe with `diagnostics_channel.tracingChannel(name)`, or to
 * `tracing:${name}:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`); `outcome` is a plain
 * channel with one message per login. Nothing is built or published while nobody subscribes.
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * import { KVIXI_CHANNELS, type KvixiLoginOutcome } from 'passport-kvixi';
 *
 * diagnostics_channel.subscribe(KVIXI_CHANNELS.outcome, (message) => {
 *   const { outcome, code, durationMs } = message as KvixiLoginOutcome;
 *   console.log(`kvixi login ${outcome} ${code ?? ''} ${durationMs.toFixed(0)} ms`);
 * });
 * ```
 */
export const KVIXI_CHANNELS = {
  /** A start: the pending login stored and the redirect to Kvixi (or the refusal). Context: `KvixiPhaseContext`. */
  start: 'passport-kvixi:start',
  /** A whole callback, from the request to the hand-over to Passport. Context: `KvixiPhaseContext`. */
  callback: 'passport-kvixi:callback',
  /** The token exchange (`/api/authorize`). Context: `KvixiProviderCallContext`. */
  exchange: 'passport-kvixi:exchange',
  /** The user-info call (`/api/get_user_info`). Context: `KvixiProviderCallContext`. */
  userInfo: 'passport-kvixi:user-info',
  /** The app's verify. Context: `KvixiPhaseContext`. */
  verify: 'passport-kvixi:verify',
  /** One `KvixiLoginOutcome` per login: every callback, and every start that does not go on to Kvixi. */
  outcome: 'passport-kvixi:outcome',
} as const;

/**
 * What every phase's `TracingChannel` events carry. The same object goes through `start`, `end`,
 * `asyncStart` and `asyncEnd` of one phase, so a subscriber may keep its span on it. It never
 * holds a secret or personal data: no app_secret, auth_key, access token, cookie, session, name
 * or e-mail. `error` (on the `error` event) stands for the phase's error: see `channelError`.
 */
export interface KvixiPhaseContext {
  /** The strategy's name, `'kvixi'` unless set. */
  strategy: string;
  /** The provider's origin, e.g. `https://kvixi.com`. */
  origin: string;
  error?: unknown;
}

/** A provider call's context: the endpoint, as `KvixiAPIError.endpoint` names it. */
export interface KvixiProviderCallContext extends KvixiPhaseContext {
  endpoint: 'authorize' | 'get_user_info';
}

/** The one message per login on `KVIXI_CHANNELS.outcome`. */
export interface KvixiLoginOutcome {
  strategy: string;
  origin: string;
  /** `start`: a start that was refused; `callback`: the end of a login. */
  phase: 'start' | 'callback';
  /** `success`: signed in; `failure`: a clean refusal (Passport's `fail`); `error`: Passport's `error`. */
  outcome: 'success' | 'failure' | 'error';
  /**
   * The failure's `code` (`ERR_KVIXI_…`, or `ERR_KVIXI_VERIFY_REFUSED` when verify said no), or
   * the error's `code` when it has a string one.
   */
  code?: string;
  /** The failure's `reason`, where it has one. */
  reason?: string;
  /** The error's `name`, for errors. */
  errorName?: string;
  /** For provider errors: the endpoint (`authorize`, `get_user_info`) and the HTTP status, where known. */
  endpoint?: string;
  status?: number;
  /** Kvixi's user id, on success only. */
  userId?: string;
  /** On success: the browser was signed in already and no login ran. */
  alreadySignedIn?: true;
  /** Milliseconds from the request reaching the strategy to the outcome. */
  durationMs: number;
}

type Phase = TracingChannel<object, object>;

export const phases = {
  start: tracingChannel(KVIXI_CHANNELS.start) as Phase,
  callback: tracingChannel(KVIXI_CHANNELS.callback) as Phase,
  exchange: tracingChannel(KVIXI_CHANNELS.exchange) as Phase,
  userInfo: tracingChannel(KVIXI_CHANNELS.userInfo) as Phase,
  verify: tracingChannel(KVIXI_CHANNELS.verify) as Phase,
};

export const outcomes = channel(KVIXI_CHANNELS.outcome);

/**
 * Runs `work` inside the phase's `TracingChannel` when someone listens, else just runs it. The
 * traced function resolves nothing, so the channel's `result` never carries a token or a user,
 * and it rejects with `channelError(err)`, so no provider or app text reaches a subscriber; the
 * caller still gets the original outcome.
 */
export function traced<T>(phase: Phase, context: () => KvixiPhaseContext, work: () => Promise<T>): Promise<T> {
  if (!phase.hasSubscribers) return work();
  let value: T;
  let failure: unknown;
  return phase
    .tracePromise(async () => {
      try {
        value = await work();
      } catch (err) {
        failure = err;
        throw channelError(err);
      }
    }, context())
    .then(
      () => value,
      () => {
        throw failure;
      },
    );
}

/**
 * What a phase's `error` event carries: an `Error` with the original's `name`, its string `code`,
 * and for provider errors the `endpoint` and HTTP `status`. Its message is built from those alone:
 * a provider's reply or an app's own error message may hold personal data.
 */
export function channelError(err: unknown): Error {
  const source = (err !== null && typeof err === 'object' ? err : {}) as Partial<Record<'name' | 'code' | 'endpoint' | 'status', unknown>>;
  const name = typeof source.name === 'string' ? source.name : 'Error';
  const fields = {
    ...(typeof source.code === 'string' ? { code: source.code } : {}),
    ...(typeof source.endpoint === 'string' ? { endpoint: source.endpoint } : {}),
    ...(typeof source.status === 'number' ? { status: source.status } : {}),
  };
  const error = new Error([name, ...Object.values(fields)].join(' '));
  Object.defineProperty(error, 'name', { value: name, enumerable: false, configurable: true, writable: true });
  return Object.assign(error, fields);
}
