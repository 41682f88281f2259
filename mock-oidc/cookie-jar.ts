interface StoredCookie {
  origin: string;
  path: string;
  name: string;
  value: string;
  /** Epoch ms, or undefined for a session cookie. */
  expires: number | undefined;
}

/** RFC 6265 5.1.4: a cookie without a Path applies to the directory of the URL that set it. */
function defaultPath(url: URL): string {
  const slash = url.pathname.lastIndexOf('/');
  return slash <= 0 ? '/' : url.pathname.slice(0, slash);
}

/** RFC 6265 5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

/**
 * The cookies of a scripted browser session against one or more origins: kept per origin, path
 * and name, sent back by path, forgotten when they expire. Enough for a test client of
 * oidc-provider's pages; Domain, Secure and SameSite are not modelled (it never leaves its origins).
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  /** Files the `Set-Cookie` headers of a response to `url`. */
  store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const cookie: StoredCookie = {
        origin: url.origin,
        path: defaultPath(url),
        name: pair.slice(0, equals).trim(),
        value: pair.slice(equals + 1).trim(),
        expires: undefined,
      };
      let maxAge: number | undefined;
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
        if (/^path$/i.test(key) && value.startsWith('/')) cookie.path = value;
        else if (/^max-age$/i.test(key) && /^-?\d+$/.test(value)) maxAge = Number(value);
        else if (/^expires$/i.test(key) && !Number.isNaN(Date.parse(value))) cookie.expires = Date.parse(value);
      }
      // Max-Age wins over Expires (RFC 6265 5.3 step 3).
      if (maxAge !== undefined) cookie.expires = Date.now() + maxAge * 1000;
      const key = `${cookie.origin} ${cookie.path} ${cookie.name}`;
      if (cookie.expires !== undefined && cookie.expires <= Date.now()) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  /** The `Cookie` header for a request to `url`, longest paths first; undefined when there is none. */
  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.#cookies.values()]
      .filter((c) => c.origin === url.origin && pathMatches(url.pathname, c.path) && (c.expires === undefined || c.expires > now))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}
