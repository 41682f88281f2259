import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';

const TOKEN_ENDPOINTS = /^\/auth(\/|$)/;

// hono's default filter takes text (never text/event-stream: a live stream must not wait on a
// compressor's buffer), JSON, JS, SVG and the manifest (+json); images and fonts already are compressed.
const compressText = compress();

/**
 * gzip or deflate for text answers when the client accepts it, with `Vary: Accept-Encoding`.
 * The token endpoints' answers are left as they are: they carry the access token, and a secret is
 * never put through compression beside other content (BREACH); they are a few hundred bytes anyway.
 */
export const compression: MiddlewareHandler = async (c, next) => {
  if (TOKEN_ENDPOINTS.test(c.req.path)) return next();
  return compressText(c, next);
};
