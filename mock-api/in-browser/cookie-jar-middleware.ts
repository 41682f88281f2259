import type { Context, MiddlewareHandler } from 'hono';
import type { CookieJar } from './cookie-jar.ts';

/** A copy of `request` whose headers carry `cookie`, in a Headers object no request guard filters. */
function withCookie(request: Request, cookie: string): Request {
  const headers = new Headers(request.headers);
  headers.set('Cookie', cookie);
  const carrier = new Request(request);
  Object.defineProperty(carrier, 'headers', { value: headers });
  return carrier;
}

/** Puts the Cookie header on the request the API reads, and keeps it there when a middleware replaces that request. */
function carryCookie(c: Context, cookie: string): void {
  let raw = withCookie(c.req.raw, cookie);
  Object.defineProperty(c.req, 'raw', {
    configurable: true,
    enumerable: true,
    get: () => raw,
    set: (next: Request) => {
      raw = withCookie(next, cookie);
    },
  });
}

/** Collects every Set-Cookie the API sets on this context: hono/cookie's setCookie and deleteCookie go through `c.header`. */
function collectSetCookies(c: Context): string[] {
  const lines: string[] = [];
  const header = c.header;
  c.header = (name: string, value?: string, options?: { append?: boolean }): void => {
    if (value !== undefined && name.toLowerCase() === 'set-cookie') lines.push(value);
    header(name, value, options);
  };
  return lines;
}

/**
 * Puts the in-browser API's cookies through `jar`. Fetch forbids a script to set `Cookie` on a
 * Request or to read `Set-Cookie` on a Response it builds (forbidden header names), and in a
 * worker every Request and Response is one a script built. So the cookies travel inside Hono's
 * context instead: the jar's Cookie header goes onto the request the API reads (as an unguarded
 * Headers object), and each Set-Cookie the API sets is taken before Hono turns its headers into
 * the Response that would drop it. The API itself is unchanged: it reads and sets cookies
 * through hono/cookie as it does on a server. The answer the worker gets back carries no cookie.
 */
export function cookieJarMiddleware(jar: CookieJar): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const cookie = await jar.cookieHeader(url);
    if (cookie !== undefined) carryCookie(c, cookie);
    const setCookies = collectSetCookies(c);
    await next();
    await jar.receive(url, setCookies);
  };
}
