import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { MockApi } from './app.ts';

/** The paths the mock API answers; everything else is the app's. */
export const API_PATH = /^\/(auth|api|__mock|\.well-known)\//;

/** A node:http request as a Web Request (the body streams; nothing is buffered here). */
export function toWebRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = req.method ?? 'GET';
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(new URL(req.url ?? '/', origin), init);
}

/** Writes a Web Response to a node:http response, keeping every Set-Cookie. */
export async function sendWebResponse(res: ServerResponse, response: Response, method = 'GET'): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (method === 'HEAD' || !response.body) {
    res.end();
    return;
  }
  res.end(Buffer.from(await response.arrayBuffer()));
}

/** The origin a node:http request was made to (http; this server does not terminate TLS). */
export function originOf(req: IncomingMessage): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}

/** Connect-style middleware answering the API paths and passing everything else on. */
export function createApiMiddleware(api: MockApi): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    if (!API_PATH.test(req.url ?? '/')) {
      next();
      return;
    }
    const request = toWebRequest(req, originOf(req));
    api
      .handle(request, { clientAddress: req.socket.remoteAddress ?? 'unknown' })
      .then((response) => sendWebResponse(res, response, request.method))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"error":"server_error","message":"Something went wrong."}');
      });
  };
}
