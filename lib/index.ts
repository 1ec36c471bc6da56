export { KvixiStrategy, KvixiStrategy as Strategy, withState } from './strategy.js';
export { handleAsync } from './handle-async.js';
export type {
  KvixiAuthenticateOptions,
  KvixiFailureCode,
  KvixiInfo,
  KvixiSuccessInfo,
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
export { KVIXI_CHANNELS } from './diagnostics.js';
export type { KvixiLoginOutcome, KvixiPhaseContext, KvixiProviderCallContext } from './diagnostics.js';
export { KvixiSessionStore } from './pending-login.js';
export { KvixiCookieStore } from './cookie-store.js';
export { KvixiMemoryClaimStore, KvixiRedisClaimStore } from './claim-store.js';
export type {
  KvixiClaimStore,
  KvixiMemoryClaimStoreOptions,
  KvixiRedisClaimClient,
  KvixiRedisClaimStoreOptions,
} from './claim-store.js';
export type { KvixiCookieStoreOptions } from './cookie-store.js';
export type {
  KvixiConsumeResult,
  KvixiNoPendingLoginReason,
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
