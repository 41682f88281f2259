/** The refresh-token cookie's name; its path keeps it off every request but the token endpoints. */
export const REFRESH_COOKIE = 'refresh_token';
const COOKIE_PATH = '/auth';

/**
 * The Set-Cookie value for a refresh token (Secure where the origin is https). Without
 * `maxAge` it is a session cookie, which the browser drops when it closes.
 */
export function refreshCookie(token: string, maxAge: number | undefined, secure: boolean): string {
  const lifetime = maxAge === undefined ? '' : `; Max-Age=${maxAge}`;
  return `${REFRESH_COOKIE}=${token}${lifetime}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that deletes the refresh cookie. */
export function clearedRefreshCookie(secure: boolean): string {
  return refreshCookie('', 0, secure);
}

/** The refresh token from a request's Cookie header, if there is one. */
export function readRefreshCookie(request: Request): string | undefined {
  for (const part of (request.headers.get('Cookie') ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === REFRESH_COOKIE) return rest.join('=') || undefined;
  }
  return undefined;
}
