import { existsSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { answerOutsideApp } from './app.ts';
import { HttpError } from './errors.ts';
import { answerUnreadableRequest, createNodeMockApi } from './node-app.ts';
import { configFromEnv, DIST } from './node-config.ts';

const config = (() => {
  try {
    return configFromEnv(process.env);
  } catch (error) {
    console.error(`Cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
})();

// DIST_DIR serves another build (the update tests switch between two).
const dist = process.env.DIST_DIR ? resolve(process.env.DIST_DIR) : DIST;
if (!existsSync(join(dist, 'index.html'))) {
  console.error(`Cannot start: ${join(dist, 'index.html')} is missing; run npm run build first.`);
  process.exit(1);
}

const app = await createNodeMockApi(config, { dist });
const listener = getRequestListener(app.fetch, { errorHandler: answerUnreadableRequest });

// How long a socket that was answered and closed may still drain what its client sends, so that the
// close is a FIN after the answer rather than a reset that could overtake it.
const LINGER_MS = 2_000;
// Node's default, stated: a request whose headers are larger gets 431 (SECURITY.md).
const MAX_HEADER_BYTES = 16 * 1024;

/** The responses still open on each socket: an error answer must not cut into one that has begun. */
const openResponses = new WeakMap<Duplex, Set<ServerResponse>>();
/** Sockets already answered outside the app; the parser reports their later bytes as errors again. */
const answered = new WeakSet<Duplex>();

/** Writes an answer straight to a socket no request object exists for, then closes it cleanly. */
async function answerOnSocket(socket: Duplex, error: HttpError): Promise<void> {
  if (answered.has(socket)) return;
  answered.add(socket);
  // node:http takes its own error listener off a CONNECT's socket: a client's reset would
  // otherwise be an unhandled 'error' event, which ends the process.
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

/** The app's listener on one address, with what node:http answers by itself answered like the app does. */
function appServer(): Server {
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
  return server;
}

/** Listens on `host:port` (0: any free port) and resolves with the port. */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

const server = appServer();
const port = await listen(server, config.port, '127.0.0.1').catch((error: NodeJS.ErrnoException) => {
  console.error(`Cannot listen on 127.0.0.1:${config.port}: ${error.code ?? error.message}`);
  process.exit(1);
});
// Also on ::1, so http://localhost works however the browser resolves it.
const ipv6 = appServer();
await listen(ipv6, port, '::1').catch(() => ipv6.close());

console.log(`Serving on http://localhost:${port}`);
console.log('Demo users: test / test (Test User), ada / lovelace (Ada Lovelace)');
console.log(`Access tokens live ${config.accessTtl} s${config.controls ? '; MOCK_CONTROLS=1: /__mock/* enabled' : ''}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    ipv6.close();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
