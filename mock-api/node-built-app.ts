import { extname } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { API_PATH, type MockApiEnv } from './app.ts';
import { HttpError } from './errors.ts';

// A file whose name carries its content's hash (Vite's assets/[name]-[hash].[ext]) never changes;
// anything else (index.html, sw.js, the manifest, the icons) is revalidated every time, or a stale
// sw.js or index.html would pin users to an old build.
const HASHED_ASSET = /^\/assets\/[^/]+-[\w-]{8}\.[a-z0-9]+$/i;
const IMMUTABLE = 'public, max-age=31536000, immutable';
// hono's MIME table leaves the charset off the manifest, which is UTF-8 by its spec.
const CONTENT_TYPES: Readonly<Record<string, string>> = { '.webmanifest': 'application/manifest+json; charset=utf-8' };

function isNavigation(c: Context): boolean {
  return c.req.header('Sec-Fetch-Mode') === 'navigate' || (c.req.header('Accept') ?? '').includes('text/html');
}

/**
 * The built app from the folder `dist`: its files, and index.html for navigations to the SPA's
 * routes (paths without a file extension). Only GET and HEAD; the API's paths are never the app's.
 */
export function builtApp(dist: string): MiddlewareHandler<MockApiEnv> {
  const files = serveStatic<MockApiEnv>({ root: dist });
  const shell = serveStatic<MockApiEnv>({ root: dist, path: 'index.html' });
  const skip = async (): Promise<void> => {};
  return async (c, next) => {
    if (API_PATH.test(c.req.path)) return next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed.', { Allow: 'GET, HEAD' });
    }
    const file = await files(c, skip);
    const served = file ?? (isNavigation(c) && extname(c.req.path) === '' ? await shell(c, skip) : undefined);
    if (!served) return next();
    served.headers.set('Cache-Control', file && HASHED_ASSET.test(c.req.path) ? IMMUTABLE : 'no-cache');
    const type = file ? CONTENT_TYPES[extname(c.req.path)] : undefined;
    if (type) served.headers.set('Content-Type', type);
    return served;
  };
}
