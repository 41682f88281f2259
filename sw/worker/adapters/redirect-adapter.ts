import { BrokerError } from '../../errors.ts';
import type { AdapterStore } from '../adapter-store.ts';
import type { Log } from '../log.ts';
import type { Clock, Transport } from '../token-broker.ts';
import type { AuthAdapter, Grant } from './auth-adapter.ts';

/** What the broker lends a redirect adapter when it starts: the outside world, injected. */
export interface RedirectContext {
  /** The worker's origin: the redirect URI and every return URL are on it. */
  readonly origin: string;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly log: Log;
  /** IndexedDB in the worker (shared with pages: nothing usable elsewhere goes there); none: the adapter keeps its records in memory. */
  readonly store: AdapterStore | undefined;
  /** The broker's DPoP key pair, when tokens are bound: the token endpoint's proofs and the API's use one key. */
  readonly dpopKey: (() => Promise<CryptoKeyPair>) | undefined;
  /** How long one call to the provider may take, ms. */
  readonly timeoutMs: number;
  /** The RFC 8707 resources allowlist entries name, besides the adapter's own: a sign-in asks for them all. */
  readonly resources: readonly string[];
  /** Queues a store write behind the broker's own, so a sign-out's clear never lands before an earlier save. */
  readonly persist: (write: () => Promise<void>) => Promise<void>;
}

/** A sign-in the provider sent back, checked, and not yet adopted by the broker. */
export interface RedirectSignIn {
  readonly grant: Grant;
  /** The same-origin path the browser goes to now. */
  readonly returnUrl: string;
  /** Keeps what the session needs to go on (the refresh token); the broker calls it once it accepts the sign-in. */
  commit(): Promise<void>;
}

/** A refresh's grant; without `user` the session's user stays as it was. */
export type RefreshedGrant = Omit<Grant, 'user'> & { readonly user?: unknown };

/** The running half of a redirect adapter, bound to one broker. */
export interface RedirectClient {
  /** Starts a sign-in: remembers what the callback will need, returns the provider's authorization URL. */
  authorize(returnUrl: string | undefined): Promise<string>;
  /** Whether a navigation is the provider sending the browser back (the redirect URI). */
  isCallback(url: URL): boolean;
  /** Completes a sign-in from the callback URL; a failure throws a BrokerError (logged here, once) for `failureUrl`. */
  complete(url: URL): Promise<RedirectSignIn>;
  /** Where the browser goes after a failed callback: the app's sign-in page with a short code. */
  failureUrl(error: unknown): string;
  /**
   * A new access token from the refresh token, for `resource` (RFC 8707) or, without one, the
   * session's own; `invalid_grant` when the refresh token is refused or gone.
   */
  refresh(resource?: string): Promise<RefreshedGrant>;
  /** Revokes at the provider (best effort, logged) and says where to end the provider's session, if anywhere. */
  signOut(): Promise<{ endSessionUrl?: string }>;
  /** Forgets every token of the session, here and in the store. */
  forget(): Promise<void>;
  /** Whether an API answer says the access token was refused. */
  tokenRejected(response: Response): boolean;
}

/**
 * An adapter whose sign-in is a top-level redirect to a provider and which makes its own token
 * calls (the `oidc` preset): the broker hands it transport, clock, stores and key, and adopts
 * the grants it returns.
 */
export interface RedirectAuthAdapter {
  readonly kind: 'redirect';
  /** A name for log lines, e.g. `oidc`. */
  readonly name: string;
  /** Whether tokens are bound with DPoP (RFC 9449); the default of the broker's `dpop` option. */
  readonly dpop?: boolean;
  /** Who the adapter talks to (the issuer), for log lines and `diagnose`. */
  readonly server: string;
  /** The URL to probe for `diagnose` (the discovery document). */
  readonly probeUrl: string;
  /** Where the provider sends the browser back: a path on the worker's origin. Pages may not fetch it. */
  readonly redirectUri: string;
  /** The RFC 8707 resource of the session's own token, if any (an allowlist entry naming it shares that token). */
  readonly resource?: string;
  /** Checks what needs the worker's origin and starts the client; throws a TypeError naming a mistake. */
  connect(context: RedirectContext): RedirectClient;
}

/** Whether an adapter signs in by redirect (`oidc`) rather than with a password the broker posts. */
export function isRedirectAdapter(adapter: AuthAdapter | RedirectAuthAdapter): adapter is RedirectAuthAdapter {
  return (adapter as Partial<RedirectAuthAdapter>).kind === 'redirect';
}

/**
 * A refresh token kept only in worker memory is gone (the browser stopped the worker): the
 * session is over and the user signs in again. `invalid_grant`, so the broker ends the session.
 */
export class RefreshTokenLostError extends BrokerError {
  constructor(message: string) {
    super('invalid_grant', message);
  }
}
