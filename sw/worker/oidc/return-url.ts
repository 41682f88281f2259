// Control characters, whitespace and backslashes: browsers strip or reinterpret them in URLs.
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f-\u009f\\]/;

/**
 * Where the browser may land after a sign-in: `value` when it is a path on `origin` (with its
 * query and fragment), otherwise `/`. Refuses absolute and protocol-relative URLs
 * (`//evil.example`), backslash tricks (`/\evil.example`), control characters, anything that
 * resolves to another origin, and the paths in `avoid` (the redirect URI: no loop).
 */
export function safeReturnPath(value: unknown, origin: string, avoid: readonly string[] = []): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || UNSAFE_CHARACTERS.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || avoid.includes(url.pathname)) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
