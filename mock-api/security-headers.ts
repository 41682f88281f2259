import { Hono, type MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { getMimeType } from 'hono/utils/mime';

/** The hardening headers of every response, with `connectSrc` origins allowed besides the server's own. */
function securityHeadersWith(connectSrc: readonly string[]): MiddlewareHandler {
  return secureHeaders({
    overwrite: false,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'", ...connectSrc],
      workerSrc: ["'self'"],
      manifestSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
    xContentTypeOptions: true,
    referrerPolicy: true,
    crossOriginOpenerPolicy: true,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    strictTransportSecurity: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
}

/**
 * Every response, the built app's files included: the CSP and the hardening headers (SECURITY.md),
 * nothing else. A handler may set a stricter policy of its own (the avatar's), which is kept.
 */
export const securityHeaders = securityHeadersWith([]);

/**
 * The service worker script's headers when the worker also calls an OpenID Provider: a worker's
 * CSP is the one its script was served with, so only the worker may reach those origins; the
 * page's policy stays `connect-src 'self'`. Runs inside {@link securityHeaders}, which keeps it.
 */
export function workerSecurityHeaders(connectSrc: readonly string[]): MiddlewareHandler {
  return securityHeadersWith(connectSrc);
}

/**
 * The headers the server sends with the app's document (`/`, index.html) that say how to treat it:
 * its type, the CSP and the hardening headers; not those of one transfer (length, dates, caching).
 * The service worker answers navigations with exactly these (vite.config.ts defines them into
 * sw.js), so a static host that sends none, or a cached copy whose headers were rewritten, still
 * gets this policy, and the policy is written only here.
 */
export async function documentHeaders(): Promise<Record<string, string>> {
  const document = new Hono();
  document.use(securityHeaders);
  // The built app's files are typed by hono's table (serveStatic), index.html included.
  document.get('/', (c) => c.body(null, 200, { 'Content-Type': getMimeType('index.html') ?? 'text/html' }));
  return Object.fromEntries((await document.request('/')).headers);
}
