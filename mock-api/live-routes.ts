import type { Context, MiddlewareHandler } from 'hono';
import type { MockApi, MockApiEnv, Services } from './app.ts';
import { authenticateCaller } from './authenticate.ts';
import { HttpError } from './errors.ts';
import { eventStream } from './event-stream.ts';
import { WS_TICKET_TTL_SECONDS } from './ws-tickets.ts';

/** The WebSocket endpoint's path. */
export const LIVE_SOCKET_PATH = '/api/ws';

/** What the runtime adds to the live endpoints. */
export interface LiveRuntime {
  /** GET /api/ws, a WebSocket upgrade (node-live-socket.ts); without it POST /api/ws-ticket answers 501. */
  liveSocket?: MiddlewareHandler<MockApiEnv> | undefined;
  /** Cuts a request's connection at once (Node: destroys its socket), for a stream whose client stopped reading. */
  dropConnection?: ((c: Context<MockApiEnv>) => void) | undefined;
}

/** The live-data endpoints: the event stream, WebSocket tickets and, where the runtime has one, the WebSocket. */
export function routeLive(app: MockApi, services: Services, runtime: LiveRuntime): void {
  app.get('/api/events', async (c) => eventStream(c, services, await authenticateCaller(c, services), () => runtime.dropConnection?.(c)));

  app.post('/api/ws-ticket', async (c) => {
    const { user, sid } = await authenticateCaller(c, services);
    if (!runtime.liveSocket) {
      throw new HttpError(
        501,
        'not_supported',
        'This server has no WebSocket endpoint (the in-browser demo cannot have one); use GET /api/events.',
      );
    }
    // A ticket's socket lives as long as its session, and an OpenID Provider's token has no session here.
    if (sid === undefined) {
      throw new HttpError(
        501,
        'not_supported',
        "WebSocket tickets need a session of this API, not an OpenID Provider's token; use GET /api/events.",
      );
    }
    const origin = c.req.header('Origin');
    if (!origin) throw new HttpError(400, 'invalid_request', 'An Origin header is required: the ticket is bound to it.');
    const ticket = await services.wsTickets.issue({ userId: user.id, sid, origin });
    return c.json({ ticket, expiresIn: WS_TICKET_TTL_SECONDS }, 201);
  });

  if (runtime.liveSocket) app.get(LIVE_SOCKET_PATH, runtime.liveSocket);
}
