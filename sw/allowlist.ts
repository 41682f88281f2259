import type { AllowRule } from './config';

// Encoded slashes, backslashes and dots can be decoded by a server or proxy into path
// separators or dot segments the URL parser never saw ("/api/..%2Fauth/refresh"), so a
// path containing them is never treated as inside a prefix.
const AMBIGUOUS_ENCODING = /%(2f|5c|2e)/i;

/**
 * Decides whether a URL may carry the bearer: its origin must equal a rule's origin exactly
 * (scheme, host, port; the URL parser has already lower-cased the host and dropped any
 * userinfo) and its path must start with the rule's prefix, which ends with `/`.
 */
export function createAllowlist(rules: readonly AllowRule[]): (url: URL) => boolean {
  const copy = rules.map((rule) => ({ origin: rule.origin, pathPrefix: rule.pathPrefix }));
  return (url) => {
    for (const rule of copy) {
      if (url.origin === rule.origin && url.pathname.startsWith(rule.pathPrefix)) {
        return !AMBIGUOUS_ENCODING.test(url.pathname);
      }
    }
    return false;
  };
}
