/** Claims of a validated ID token, as the `user` option receives them. */
export interface IdTokenClaims {
  readonly sub: string;
  readonly [claim: string]: unknown;
}

/** Options of the `oidc` preset; `issuer` and `clientId` are required. */
export interface OidcOptions {
  /** The provider's issuer identifier (discovery is `<issuer>/.well-known/openid-configuration`): https, or http on a loopback host. */
  issuer: string;
  /** A public client (no secret) registered at the provider, with PKCE. */
  clientId: string;
  /** Where the provider sends the browser back: a path (or URL) on the worker's origin. Default `/auth/callback`. */
  redirectUri?: string;
  /** Default `openid profile offline_access` (offline_access asks for a refresh token). */
  scope?: string;
  /** The RFC 8707 resource indicator of the API the access token is for (its audience). */
  resource?: string;
  /** Where the provider sends the browser after RP-initiated logout (registered at the provider). */
  postLogoutRedirectUri?: string;
  /** The user as pages and IndexedDB see it, from the ID token's claims. Default: the standard profile claims. */
  user?: (claims: IdTokenClaims) => unknown;
  /** The app's sign-in page, where a failed callback lands with `?signInError=<code>`. Default `/login`. */
  errorRedirect?: string;
  /** The `prompt` parameter. Default `consent` when the scope asks for offline_access (OpenID Connect Core 11), else none. */
  prompt?: string | false;
  /** Whether the provider binds tokens with DPoP (RFC 9449); the broker's `dpop` option overrides it. Default true. */
  dpop?: boolean;
}

/** The options checked: what the adapter runs on. */
export interface OidcSettings {
  readonly issuer: URL;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly resource: string | undefined;
  readonly postLogoutRedirectUri: string | undefined;
  readonly user: ((claims: IdTokenClaims) => unknown) | undefined;
  readonly errorRedirect: string;
  readonly prompt: string | undefined;
  readonly dpop: boolean;
  /** http on a loopback host: oauth4webapi is told to allow it. */
  readonly insecure: boolean;
}

const KNOWN = [
  'issuer',
  'clientId',
  'redirectUri',
  'scope',
  'resource',
  'postLogoutRedirectUri',
  'user',
  'errorRedirect',
  'prompt',
  'dpop',
];
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function absoluteUrl(value: unknown, what: string): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new TypeError(`oidc: ${what} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  if (url.hash !== '' || String(value).includes('#')) throw new TypeError(`oidc: ${what} "${String(value)}" must not have a fragment`);
  return url;
}

function pathOrUrl(value: unknown, what: string, fallback?: string): string | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '' || value.startsWith('//') || !(value.startsWith('/') || /^https?:\/\//i.test(value)))
    throw new TypeError(`oidc: ${what} must be a path starting with "/" or an absolute http(s) URL, got ${JSON.stringify(value)}`);
  if (value.includes('#')) throw new TypeError(`oidc: ${what} "${value}" must not have a fragment`);
  return value;
}

/** Checks the options once, when the worker starts, and throws a TypeError naming the first mistake. */
export function resolveOidcOptions(options: OidcOptions): OidcSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('oidc needs an options object: oidc({ issuer, clientId })');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new TypeError(`oidc: unknown option "${key}"; known: ${KNOWN.join(', ')}`);
  }
  const issuer = absoluteUrl(options.issuer, 'issuer');
  if (issuer.search !== '' || issuer.username !== '' || issuer.password !== '')
    throw new TypeError(`oidc: issuer "${options.issuer}" must have no query and no credentials`);
  const insecure = issuer.protocol === 'http:';
  if (insecure && !LOOPBACK.has(issuer.hostname))
    throw new TypeError(`oidc: issuer "${options.issuer}" must be https (http only on a loopback host: localhost, 127.0.0.1, [::1])`);
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('oidc: clientId must be a non-empty string');
  const scope = options.scope ?? 'openid profile offline_access';
  if (typeof scope !== 'string' || !scope.split(' ').includes('openid'))
    throw new TypeError(`oidc: scope must be a space-separated string that includes "openid", got ${JSON.stringify(scope)}`);
  if (options.resource !== undefined) absoluteUrl(options.resource, 'resource');
  if (options.user !== undefined && typeof options.user !== 'function') throw new TypeError('oidc: user must be a function of the claims');
  const errorRedirect = options.errorRedirect ?? '/login';
  if (typeof errorRedirect !== 'string' || !errorRedirect.startsWith('/') || errorRedirect.startsWith('//') || errorRedirect.includes('#'))
    throw new TypeError(`oidc: errorRedirect must be a path on the app's origin, such as "/login", got ${JSON.stringify(errorRedirect)}`);
  if (options.prompt !== undefined && options.prompt !== false && typeof options.prompt !== 'string')
    throw new TypeError('oidc: prompt must be a string or false');
  if (options.dpop !== undefined && typeof options.dpop !== 'boolean') throw new TypeError('oidc: dpop must be true or false');
  const offline = scope.split(' ').includes('offline_access');
  return Object.freeze({
    issuer,
    clientId: options.clientId,
    redirectUri: pathOrUrl(options.redirectUri, 'redirectUri', '/auth/callback') as string,
    scope,
    resource: options.resource,
    postLogoutRedirectUri: pathOrUrl(options.postLogoutRedirectUri, 'postLogoutRedirectUri'),
    user: options.user,
    errorRedirect,
    prompt: options.prompt === false ? undefined : (options.prompt ?? (offline ? 'consent' : undefined)),
    dpop: options.dpop ?? true,
    insecure,
  });
}
