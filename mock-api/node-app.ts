import { RequestError, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { answerOutsideApp, createServices, mockApiApp, type MockApi, type Services } from './app.ts';
import { compression } from './compression.ts';
import type { MockApiConfig } from './config.ts';
import { HttpError, SERVER_ERROR } from './errors.ts';
import { builtApp } from './node-built-app.ts';
import { liveSocket } from './node-live-socket.ts';

/** Options of the mock API on Node. */
export interface NodeMockApiOptions {
  /** A built app to serve beside the API (index.html, sw.js, assets/); without it only the API answers. */
  dist?: string;
  /**
   * Whether GET /api/ws upgrades to a WebSocket (default true): the server must hand upgrades to
   * the app (node-http-server.ts, or node-server's `serve` with `websocket`). Without it POST
   * /api/ws-ticket answers 501.
   */
  webSocket?: boolean;
}

/** The client's address from node-server's socket, for the per-address sign-in limit. */
export function socketAddress(c: Context): string {
  // app.request() (the unit tests) has no socket: all of its requests are one client.
  const bindings = c.env as Partial<HttpBindings | Http2Bindings> | undefined;
  return bindings?.incoming ? (getConnInfo(c).remote.address ?? 'unknown') : 'unknown';
}

/** Destroys the socket of a request node-server is answering, for a stream whose client stopped reading. */
export function dropConnection(c: Context): void {
  const bindings = c.env as Partial<HttpBindings | Http2Bindings> | undefined;
  bindings?.outgoing?.destroy();
}

/**
 * The mock API over `services` as Node serves it: client addresses from the socket, live streams
 * cut at the socket, the WebSocket endpoint, compressed text, and the built app beside it when
 * `dist` is given.
 */
export function nodeMockApiApp(services: Services, options: NodeMockApiOptions = {}): MockApi {
  return mockApiApp(services, {
    // Outermost, so that it sees every answer as sent, errors included.
    middleware: [compression],
    clientAddress: socketAddress,
    dropConnection,
    ...(options.webSocket === false ? {} : { liveSocket: liveSocket(services) }),
    ...(options.dist ? { fallback: builtApp(options.dist) } : {}),
  });
}

/** Builds the mock API (its keys, the demo users and empty state) as Node serves it. */
export async function createNodeMockApi(config: MockApiConfig, options: NodeMockApiOptions = {}): Promise<MockApi> {
  return nodeMockApiApp(await createServices(config), options);
}

/** For getRequestListener's `errorHandler`: what node-server could not turn into a Request. */
export function answerUnreadableRequest(error: unknown): Promise<Response> {
  return answerOutsideApp(
    error instanceof RequestError
      ? new HttpError(400, 'invalid_request', 'The Host header or the request target is malformed.')
      : SERVER_ERROR,
  );
}
