import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createAdaptorServer, getRequestListener } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { answerOutsideApp, type MockApi } from './app.ts';
import { HttpError } from './errors.ts';
import { LIVE_SOCKET_PATH } from './live-routes.ts';
import { answerUnreadableRequest } from './node-app.ts';

// How long a socket that was answered and closed may still drain what its client sends, so that the
// close is a FIN after the answer rather than a reset that could overtake it.
const LINGER_MS = 2_000;
// Node's default, stated: a request whose headers are larger gets 431 (SECURITY.md).
const MAX_HEADER_BYTES = 16 * 1024;

/** The app on one node:http server, with WebSockets; see {@link createHttpServer}. */
export interface HttpServer {
  server: Server;
  /** Stops listening and ends every connection, WebSockets included. */
  close: () => Promise<void>;
}

/** The responses still open on each socket: an error answer must not cut into one that has begun. */
const openResponses = new WeakMap<Duplex, Set<ServerResponse>>();
/** Sockets already answered outside the app; the parser reports their later bytes as errors again. */
const answered = new WeakSet<Duplex>();

/** Writes an answer straight to a socket no request object exists for, then closes it cleanly. */
async function answerOnSocket(socket: Duplex, error: HttpError): Promise<void> {
  if (answered.has(socket)) return;
  answered.add(socket);
  // node:http takes its own error listener off a CONNECT's or an upgrade's socket: a client's reset
  // would otherwise be an unhandled 'error' event, which ends the process.
  socket.on('error', () => socket.destroy());
  const response = await answerOutsideApp(error);
  const body = Buffer.from(await response.arrayBuffer());
  if (!socket.writable || [...(openResponses.get(socket) ?? [])].some((res) => res.headersSent)) {
    socket.destroy();
    return;
  }
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
  response.headers.forEach((value, name) => head.push(`${name}: ${value}`));
  head.push(`Content-Length: ${body.byteLength}`, 'Connection: close', '', '');
  socket.resume(); // read and drop whatever else the client sends until it closes
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
  socket.end(Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), body]));
}

/** A request the HTTP parser refused: no request line, a malformed header, a bad chunk, headers too large. */
function parserError(code: string | undefined): HttpError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError(431, 'request_header_fields_too_large', `The request headers may be at most ${MAX_HEADER_BYTES} bytes.`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpError(413, 'payload_too_large', 'The chunk extensions are too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpError(408, 'request_timeout', 'The request took too long to arrive.');
    default:
      return new HttpError(400, 'invalid_request', 'The request is not valid HTTP/1.1.');
  }
}

/** Whether node-server should take an upgrade: a WebSocket one, by GET, to the WebSocket endpoint. */
function isLiveSocketUpgrade(req: IncomingMessage): boolean {
  const target = req.url ?? '';
  const path = URL.canParse(target, 'http://localhost') ? new URL(target, 'http://localhost').pathname : undefined;
  return req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket' && path === LIVE_SOCKET_PATH;
}

/**
 * The app on a node:http server (not yet listening), with what node:http answers by itself
 * answered like the app does, and WebSocket upgrades of GET /api/ws through @hono/node-server's
 * own support (node-live-socket.ts). Any other upgrade gets 400: a server with an 'upgrade'
 * listener no longer serves such requests as plain ones.
 */
export function createHttpServer(app: MockApi): HttpServer {
  const listener = getRequestListener(app.fetch, { errorHandler: answerUnreadableRequest });
  const server = createServer(
    // No Host header: node-server's errorHandler answers it (JSON, with the app's headers), not node:http's bare 400.
    { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
    (req, res) => {
      const open = openResponses.get(req.socket) ?? new Set();
      openResponses.set(req.socket, open.add(res));
      res.once('close', () => open.delete(res));
      void listener(req, res);
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') socket.destroy();
    else void answerOnSocket(socket, parserError(error.code)).catch(() => socket.destroy());
  });
  // Without a listener node:http drops a CONNECT without a word; this is no proxy, and says so.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    const refusal = new HttpError(405, 'method_not_allowed', 'CONNECT is not supported: this server is not a proxy.', {
      Allow: 'GET, HEAD, POST',
    });
    void answerOnSocket(socket, refusal).catch(() => socket.destroy());
  });

  // node-server's WebSocket support, on a server of its own that never listens: the app's answers
  // need the listener above (its error handler), and node-server answers only the upgrades it is
  // handed, so it gets the WebSocket ones and the rest are refused here.
  const webSockets = new WebSocketServer({ noServer: true });
  const upgrades = createAdaptorServer({ fetch: app.fetch, websocket: { server: webSockets } });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (isLiveSocketUpgrade(req)) upgrades.emit('upgrade', req, socket, head);
    else {
      const refusal = new HttpError(400, 'invalid_request', `Only GET ${LIVE_SOCKET_PATH} may ask for an upgrade, and only to WebSocket.`);
      void answerOnSocket(socket, refusal).catch(() => socket.destroy());
    }
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of webSockets.clients) socket.terminate();
        webSockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
