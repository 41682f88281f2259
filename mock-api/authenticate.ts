import type { Context } from 'hono';
import type { JWTPayload } from 'jose';
import type { MockApiEnv, Services } from './app.ts';
import { checkPresentation } from './dpop-http.ts';
import { HttpError } from './errors.ts';
import type { User } from './users.ts';

/** Who called the API: the user, the session (`sid`) and when the access token expires (epoch ms). */
export interface ApiCaller {
  user: User;
  /** The API's own session (refresh-token family); undefined for an OpenID Provider's token, which has none here. */
  sid: string | undefined;
  expiresAt: number;
}

// RFC 6750 2.1 and RFC 9449 7.1: exactly one "Bearer <token68>" or "DPoP <token68>"; two joined
// headers or another scheme are malformed.
const AUTHORIZATION = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/;

const invalidToken = (): HttpError =>
  new HttpError(401, 'invalid_token', 'The access token is invalid or expired.', {
    'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid or expired"',
  });

/** A demo user by a token's `sub` (the user id, in digits). */
function userOf(services: Services, payload: JWTPayload | undefined): User | undefined {
  return payload?.sub && /^\d+$/.test(payload.sub) ? services.users.byId(Number(payload.sub)) : undefined;
}

/** The caller of one of the API's own tokens: it lives no longer than its session. */
async function ownCaller(services: Services, token: string): Promise<{ payload: JWTPayload; caller: ApiCaller }> {
  const payload = await services.accessTokens.verify(token);
  // A token lives no longer than its session: sign-out, reuse detection or expiry of the
  // refresh-token family (its sid) ends it too.
  const sid = typeof payload?.sid === 'string' && services.refreshTokens.isActive(payload.sid) ? payload.sid : undefined;
  const user = sid ? userOf(services, payload) : undefined;
  if (!payload || !sid || !user || payload.exp === undefined) throw invalidToken();
  return { payload, caller: { user, sid, expiresAt: payload.exp * 1000 } };
}

/**
 * The caller of a trusted OpenID Provider's token for this API's resource (`<origin>/api/`, RFC 8707):
 * the demo user whose id is its `sub`. The API cannot see the provider revoke it: it lives until `exp`.
 */
async function providerCaller(
  c: Context<MockApiEnv>,
  services: Services,
  token: string,
): Promise<{ payload: JWTPayload; caller: ApiCaller }> {
  const resource = `${new URL(c.req.url).origin}/api/`;
  const payload = await services.providerTokens?.verify(token, resource);
  const user = userOf(services, payload);
  if (!payload || !user || payload.exp === undefined) throw invalidToken();
  return { payload, caller: { user, sid: undefined, expiresAt: payload.exp * 1000 } };
}

/** The caller of an API request, from its access token (and DPoP proof); 401 or 400 when there is none. */
export async function authenticateCaller(c: Context<MockApiEnv>, services: Services): Promise<ApiCaller> {
  const header = c.req.header('Authorization');
  if (header === undefined) {
    // RFC 6750 3.1: no error code when the request carried no credentials.
    throw new HttpError(401, 'invalid_token', 'A bearer token is required.', { 'WWW-Authenticate': 'Bearer realm="api"' });
  }
  const match = AUTHORIZATION.exec(header);
  if (!match?.[1] || !match[2]) throw new HttpError(400, 'invalid_request', 'Authorization must be a single Bearer or DPoP token.');
  const token = match[2];
  const { payload, caller } = services.providerTokens?.claims(token)
    ? await providerCaller(c, services, token)
    : await ownCaller(services, token);
  await checkPresentation(c, services.dpop, match[1], token, payload);
  return caller;
}

/** The user calling an API request; see {@link authenticateCaller}. */
export async function authenticate(c: Context<MockApiEnv>, services: Services): Promise<User> {
  return (await authenticateCaller(c, services)).user;
}
