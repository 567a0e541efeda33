/** The token store and the `auth/token/` engine. */
export {
  TokenStore,
  type IssuedToken,
  type RenewedToken,
  type RevokeListener,
  type TidyReport,
  type TokenDetails,
  type TokenLeaseFacts,
  type TokenStoreLogger,
  type TokenStoreOptions,
  type TokenUse,
} from './token-store.js';
export type { CreateTokenParams, LoginTokenSpec } from './create-token-params.js';
export type { RoleTokenType, TokenRole } from './token-role.js';
export { tokenEngineFactory } from './token-engine-factory.js';
export { tokenAuthResponse } from './token-auth-response.js';
export { tokenLookupData } from './token-lookup-data.js';
