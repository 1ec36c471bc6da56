export { KvixiStrategy, KvixiStrategy as Strategy, withState } from './strategy.js';
export { handleAsync } from './handle-async.js';
export type {
  KvixiAuthenticateOptions,
  KvixiFailureCode,
  KvixiInfo,
  KvixiLoginFailure,
  KvixiState,
  KvixiStrategyOptions,
  KvixiStrategyOptionsBase,
  KvixiStrategyOptionsWithRequest,
  KvixiVerify,
  KvixiVerifyCallback,
  KvixiVerifyResult,
  KvixiVerifyWithRequest,
  KvixiVerifyWithRequestWithoutProfile,
  KvixiVerifyWithoutProfile,
} from './strategy.js';
export { KvixiClient } from './client.js';
export { KvixiSessionStore } from './pending-login.js';
export { KvixiCookieStore } from './cookie-store.js';
export type { KvixiCookieStoreOptions } from './cookie-store.js';
export type {
  KvixiConsumeResult,
  KvixiPendingLogin,
  KvixiPendingLoginContext,
  KvixiPendingLoginStore,
  KvixiRequest,
} from './pending-login.js';
export type { KvixiClientOptions, KvixiTokens, KvixiUserInfo, KvixiUserInfoReply } from './client.js';
export type { KvixiProfile } from './profile.js';
export {
  KvixiAPIError,
  KvixiError,
  KvixiFetchError,
  KvixiSessionRequiredError,
  KvixiUnexpectedResponseError,
  KvixiUserNotFoundError,
} from './errors.js';
export type { KvixiEndpoint, KvixiErrorCode } from './errors.js';
