const PROBE_ORIGIN = 'http://return-url.invalid';
// Control characters and whitespace: browsers strip or reinterpret them in URLs.
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f-\u009f\\]/;

/**
 * The page to go to after sign-in: `value` when it is a path on this origin, otherwise `/`.
 * Refuses absolute and protocol-relative URLs (`//evil.example`), backslash tricks
 * (`/\evil.example`), control characters and anything that resolves to another origin.
 */
export function safeReturnUrl(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  if (UNSAFE_CHARACTERS.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, PROBE_ORIGIN);
  } catch {
    return '/';
  }
  if (url.origin !== PROBE_ORIGIN || url.pathname === '/login') return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
