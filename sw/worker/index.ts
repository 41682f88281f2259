/**
 * The worker half of the broker: `createTokenBroker(options).install(self)` in your service worker.
 * @module
 */
export { createTokenBroker, type ServiceWorkerTokenBroker } from './create-token-broker.ts';
export type { TokenBrokerOptions, BrokerConfig } from './options.ts';
export type { ResourceEntry } from './resource-rules.ts';
export { resolveOptions } from './options.ts';
export type { InstallOptions } from './install.ts';
export {
  TokenBroker,
  type BrokerDeps,
  type Clock,
  type Lock,
  type ReplayResult,
  type RequestKind,
  type SignOut,
  type Transport,
  type WorkerHooks,
} from './token-broker.ts';
export type { SessionStore, StoredSession } from './session-store.ts';
export type { AdapterStore } from './adapter-store.ts';
export type { QueueStore } from './offline-queue/queue-store.ts';
export type { StoredWrite } from './offline-queue/queued-write.ts';
export type { Log } from './log.ts';
export {
  precacheIntegrity,
  type CachedResponseParam,
  type PrecacheIntegrityDeps,
  type PrecacheIntegrityOptions,
  type PrecacheIntegrityPlugin,
  type PrecacheManifestEntry,
} from './precache/precache-integrity.ts';
export type { AuthAdapter, AuthEndpoints, AuthRequest, Grant } from './adapters/auth-adapter.ts';
export { cookieSession, type CookieSessionOptions } from './adapters/cookie-session.ts';
export { jsonApi, type JsonApiOptions } from './adapters/json-api.ts';
export { oidc } from './oidc/oidc.ts';
export type { IdTokenClaims, OidcOptions } from './oidc/oidc-options.ts';
export {
  isRedirectAdapter,
  RefreshTokenLostError,
  type RedirectAuthAdapter,
  type RedirectClient,
  type RedirectContext,
  type RedirectSignIn,
  type RefreshedGrant,
} from './adapters/redirect-adapter.ts';
export { LENIENT, RFC6749, type ErrorSemantics } from './adapters/error-semantics.ts';
export {
  bearerErrorOf,
  failureOf,
  lifetimeFromJwt,
  readJsonObject,
  requireLifetime,
  requireString,
  retryAfterOf,
  type FailureRules,
} from './adapters/read-response.ts';
export { BrokerError, type BrokerErrorCode } from '../errors.ts';
export type {
  Credentials,
  DiagnosticCheck,
  DroppedWrite,
  DropReason,
  QueuedAnswer,
  QueuedWrite,
  Session,
  SessionEnd,
  SignInErrorCode,
  UserParser,
  UserRecord,
  WritesChangedMessage,
} from '../protocol.ts';
