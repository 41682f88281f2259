import { parse, serialize } from 'hono/utils/cookie';

/** A cookie as the jar keeps it (RFC 6265 5.3), for the one origin the in-browser API serves. */
export interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** Epoch ms at which it expires; absent for a session cookie, which lives until replaced or deleted. */
  expiresAt?: number;
  /** Sent only over https. */
  secure: boolean;
}

/** Where the jar keeps its cookies between worker starts: IndexedDB in the worker, a variable in tests. */
export interface CookieStore {
  /** The stored cookies, unchecked, or undefined. */
  load(): Promise<unknown>;
  save(cookies: StoredCookie[]): Promise<void>;
}

function isStoredCookie(value: unknown): value is StoredCookie {
  if (typeof value !== 'object' || value === null) return false;
  const { name, value: content, path, expiresAt, secure } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    typeof content === 'string' &&
    typeof path === 'string' &&
    (expiresAt === undefined || typeof expiresAt === 'number') &&
    typeof secure === 'boolean'
  );
}

/** RFC 6265 5.1.4: the directory of the request path, the path a cookie without a Path attribute gets. */
function defaultPath(url: URL): string {
  const lastSlash = url.pathname.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : url.pathname.slice(0, lastSlash);
}

/** RFC 6265 5.1.4: whether a request path is within a cookie's path. */
function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === requestPath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/');
}

/** Whether hono's serialize takes the name back (an RFC 6265 token): a cookie the jar could not send is not kept. */
function sendable(name: string): boolean {
  try {
    serialize(name, '');
    return true;
  } catch {
    return false;
  }
}

/** RFC 6265 5.2: one Set-Cookie line as a cookie, or undefined for a line to ignore. */
function parseSetCookie(line: string, url: URL, now: number): StoredCookie | undefined {
  const separator = line.indexOf(';');
  const pair = separator === -1 ? line : line.slice(0, separator);
  const attributeText = separator === -1 ? '' : line.slice(separator + 1);
  const [entry] = Object.entries(parse(pair));
  if (!entry) return undefined;
  const [name, value] = entry;
  if (!sendable(name)) return undefined;
  // Attribute names are case-insensitive (5.2); hono's parse keeps them as sent.
  const attributes = new Map(Object.entries(parse(attributeText)).map(([key, text]) => [key.toLowerCase(), text]));
  // hono's parse reads name=value pairs only; Secure is a bare flag.
  const secure = attributeText.split(';').some((attribute) => attribute.trim().toLowerCase() === 'secure');
  const path = attributes.get('path');
  const maxAge = attributes.get('max-age');
  const expires = attributes.get('expires');
  let expiresAt: number | undefined;
  // 5.2.2: Max-Age wins over Expires; zero or less means "already expired", which deletes the cookie.
  if (maxAge !== undefined && /^-?\d+$/.test(maxAge)) expiresAt = Number(maxAge) <= 0 ? 0 : now + Number(maxAge) * 1000;
  else if (expires !== undefined && !Number.isNaN(Date.parse(expires))) expiresAt = Date.parse(expires);
  return {
    name,
    value,
    path: path?.startsWith('/') ? path : defaultPath(url),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    secure,
  };
}

/**
 * The in-browser API's cookie jar. A service worker's own responses cannot set cookies in the
 * browser, so the jar does for the in-browser API what the browser does for a server: it files
 * the Set-Cookie lines of each answer (new, replaced, expired, deleted) and gives back the
 * Cookie header for each request (RFC 6265 5.3 and 5.4, one origin, no Domain). Cookies are
 * kept in memory and written through to a CookieStore, so they outlive the worker.
 */
export class CookieJar {
  #cookies: Promise<StoredCookie[]> | undefined;

  constructor(
    private readonly store: CookieStore,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The Cookie header for a request to `url`, or undefined when no cookie is due. */
  async cookieHeader(url: URL): Promise<string | undefined> {
    const now = this.now();
    const due = (await this.#load())
      .filter((cookie) => (cookie.expiresAt === undefined || cookie.expiresAt > now) && pathMatches(cookie.path, url.pathname))
      .filter((cookie) => !cookie.secure || url.protocol === 'https:')
      // 5.4: cookies with longer paths first; among equals, the older first (the array keeps creation order).
      .sort((a, b) => b.path.length - a.path.length);
    return due.length === 0 ? undefined : due.map((cookie) => serialize(cookie.name, cookie.value)).join('; ');
  }

  /** Files the Set-Cookie lines of an answer to a request for `url`, and stores the result. */
  async receive(url: URL, setCookieLines: readonly string[]): Promise<void> {
    if (setCookieLines.length === 0) return;
    const cookies = await this.#load();
    const now = this.now();
    for (const line of setCookieLines) {
      const cookie = parseSetCookie(line, url, now);
      if (!cookie) continue;
      // 5.3 step 11: a cookie with the same name and path is replaced in place (it keeps its creation order).
      const existing = cookies.findIndex((old) => old.name === cookie.name && old.path === cookie.path);
      if (existing === -1) cookies.push(cookie);
      else cookies[existing] = cookie;
    }
    // Deleted (expired on arrival) and expired cookies go.
    const live = cookies.filter((cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now);
    cookies.splice(0, cookies.length, ...live);
    await this.store.save(cookies.map((cookie) => ({ ...cookie })));
  }

  /** The cookies, read from the store once per worker start; a damaged record counts as none. */
  #load(): Promise<StoredCookie[]> {
    this.#cookies ??= this.store.load().then((stored) => (Array.isArray(stored) ? stored.filter(isStoredCookie) : []));
    return this.#cookies;
  }
}
