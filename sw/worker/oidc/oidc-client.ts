import { createMemoryAdapterStore } from '../adapter-store.ts';
import type { RedirectClient, RedirectContext } from '../adapters/redirect-adapter.ts';
import { RFC6749 } from '../adapters/error-semantics.ts';
import { authorizationUrl, type AuthorizeDeps } from './authorize.ts';
import { completeSignIn, type CallbackDeps } from './callback.ts';
import { profileOf } from './claims.ts';
import type { IdTokenClaims, OidcSettings } from './oidc-options.ts';
import { PendingAuthorizations } from './pending-authorizations.ts';
import { Provider } from './provider.ts';
import { signInErrorOf } from './provider-errors.ts';
import { RefreshTokenStore } from './refresh-token-store.ts';
import { safeReturnPath } from './return-url.ts';
import { SessionTokens } from './session-tokens.ts';

/** The redirect URI on the worker's origin, or a TypeError: the worker sees navigations to its own origin only. */
function ownUrl(value: string, origin: string, what: string): URL {
  const url = new URL(value, origin);
  if (url.origin !== origin)
    throw new TypeError(`oidc: ${what} "${value}" must be on the worker's origin (${origin}): the worker only sees navigations to it`);
  return url;
}

/** Starts the oidc preset's client for one broker (the `connect` of the adapter `oidc()` returns). */
export function connectOidc(configured: OidcSettings, context: RedirectContext): RedirectClient {
  const { origin, log } = context;
  const store = context.store ?? createMemoryAdapterStore();
  const callback = ownUrl(configured.redirectUri, origin, 'redirectUri');
  const settings: OidcSettings = {
    ...configured,
    postLogoutRedirectUri: configured.postLogoutRedirectUri && new URL(configured.postLogoutRedirectUri, origin).href,
  };
  const provider = new Provider(settings, context);
  const userOf = (claims: IdTokenClaims): unknown => (settings.user ?? profileOf)(claims);
  const bound = (tokenType: string): boolean => context.dpopKey !== undefined && tokenType === 'dpop';
  const owner = `${settings.issuer.href} ${settings.clientId}`;
  const session = new SessionTokens({
    settings,
    provider,
    refreshTokens: new RefreshTokenStore(store, context.persist, owner),
    log,
    bound,
    userOf,
  });
  const authorize: AuthorizeDeps = {
    settings,
    provider,
    pending: new PendingAuthorizations(store, context.clock),
    clock: context.clock,
    redirectUri: callback.href,
    resources: [...new Set([...(settings.resource === undefined ? [] : [settings.resource]), ...context.resources])],
  };
  const complete: CallbackDeps = { ...authorize, origin, bound, userOf, adopt: (held, idToken) => session.adopt(held, idToken) };
  const where = `(oidc, ${settings.issuer.href})`;

  return {
    authorize: (returnUrl) => authorizationUrl(authorize, safeReturnPath(returnUrl, origin, [callback.pathname])),
    isCallback: (url) => url.origin === origin && url.pathname === callback.pathname,
    async complete(url) {
      try {
        return await completeSignIn(complete, url);
      } catch (error) {
        const failure = signInErrorOf(error);
        log(`sign-in failed ${where}: ${failure.code}: ${failure.message}`);
        throw failure;
      }
    },
    failureUrl(error) {
      const url = new URL(settings.errorRedirect, origin);
      url.searchParams.set('signInError', signInErrorOf(error).code);
      // A Location without a fragment inherits the callback's (Fetch, HTTP-redirect fetch): a code
      // sent in a fragment (a flow someone else started, response_mode=fragment) must not follow.
      return url.hash === '' ? `${url.href}#` : url.href;
    },
    refresh: (resource) => session.refresh(resource),
    signOut: () => session.signOut(),
    forget: () => session.forget(),
    tokenRejected: RFC6749.tokenRejected,
  };
}
