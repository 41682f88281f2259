import type { Context } from 'hono';
import type { MockApiEnv, Services } from './app.ts';
import { checkPresentation } from './dpop-http.ts';
import { HttpError } from './errors.ts';
import type { User } from './users.ts';

/** Who called the API: the user, the session (`sid`) and when the access token expires (epoch ms). */
export interface ApiCaller {
  user: User;
  sid: string;
  expiresAt: number;
}

// RFC 6750 2.1 and RFC 9449 7.1: exactly one "Bearer <token68>" or "DPoP <token68>"; two joined
// headers or another scheme are malformed.
const AUTHORIZATION = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/;

/** The caller of an API request, from its access token (and DPoP proof); 401 or 400 when there is none. */
export async function authenticateCaller(c: Context<MockApiEnv>, services: Services): Promise<ApiCaller> {
  const header = c.req.header('Authorization');
  if (header === undefined) {
    // RFC 6750 3.1: no error code when the request carried no credentials.
    throw new HttpError(401, 'invalid_token', 'A bearer token is required.', { 'WWW-Authenticate': 'Bearer realm="api"' });
  }
  const match = AUTHORIZATION.exec(header);
  if (!match?.[1] || !match[2]) throw new HttpError(400, 'invalid_request', 'Authorization must be a single Bearer or DPoP token.');
  const payload = await services.accessTokens.verify(match[2]);
  // A token lives no longer than its session: sign-out, reuse detection or expiry of the
  // refresh-token family (its sid) ends it too.
  const sid = typeof payload?.sid === 'string' && services.refreshTokens.isActive(payload.sid) ? payload.sid : undefined;
  const user = sid && payload?.sub && /^\d+$/.test(payload.sub) ? services.users.byId(Number(payload.sub)) : undefined;
  if (!payload || !sid || !user || payload.exp === undefined) {
    throw new HttpError(401, 'invalid_token', 'The access token is invalid or expired.', {
      'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="The access token is invalid or expired"',
    });
  }
  await checkPresentation(c, services.dpop, match[1], match[2], payload);
  return { user, sid, expiresAt: payload.exp * 1000 };
}

/** The user calling an API request; see {@link authenticateCaller}. */
export async function authenticate(c: Context<MockApiEnv>, services: Services): Promise<User> {
  return (await authenticateCaller(c, services)).user;
}
