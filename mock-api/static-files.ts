import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

// Must be revalidated every time: a stale sw.js or index.html would pin users to an old build.
const ALWAYS_REVALIDATE = new Set(['/sw.js', '/index.html', '/manifest.webmanifest', '/registerSW.js']);

/** A file to send, or undefined for 404. */
export interface StaticFile {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Serves a built app folder: real files with their content types, index.html for
 * extension-less paths (the SPA's routes), 404 for missing files with an extension.
 */
export function createStaticFiles(root: string): (pathname: string) => Promise<StaticFile | undefined> {
  const base = resolve(root);
  async function read(relative: string): Promise<Buffer | undefined> {
    const full = resolve(base, `.${sep}${relative}`);
    if (full !== base && !full.startsWith(base + sep)) return undefined;
    try {
      if (!(await stat(full)).isFile()) return undefined;
      return await readFile(full);
    } catch {
      return undefined;
    }
  }

  return async (pathname) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
    const path = `/${relative.split(sep).join('/')}`;
    const file = relative === '' ? undefined : await read(relative);
    const ext = extname(path);
    if (!file && ext !== '') return undefined;
    const servedPath = file ? path : '/index.html';
    const body = file ?? (await read('index.html'));
    if (!body) return undefined;
    const cacheControl = ALWAYS_REVALIDATE.has(servedPath)
      ? 'no-cache'
      : servedPath.startsWith('/assets/')
        ? 'public, max-age=31536000, immutable'
        : 'no-cache';
    return {
      status: 200,
      body,
      headers: { 'Content-Type': CONTENT_TYPES[extname(servedPath)] ?? 'application/octet-stream', 'Cache-Control': cacheControl },
    };
  };
}

/** The repository's dist/ folder. */
export const DIST = join(import.meta.dirname, '..', 'dist');
