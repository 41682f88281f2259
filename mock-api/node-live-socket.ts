import { upgradeWebSocket, type WebSocketLike } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import type { WSContext } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { MockApiEnv, Services } from './app.ts';
import { HttpError } from './errors.ts';
import type { LiveEnd, LiveFeed, LiveMessage, LiveSink } from './live-feed.ts';

/** How a WebSocket closes when its session ends (4000-4999 are the application's own, RFC 6455 7.4.2). */
export const SESSION_ENDED = { code: 4001, reason: 'session ended' } as const;

// RFC 6455 7.4.1: 1013 Try Again Later, for a socket that lost the race for the user's last slot.
const TRY_AGAIN_LATER = { code: 1013, reason: 'too many streams' } as const;

function socketSink(ws: WSContext<WebSocketLike>): LiveSink {
  // node-server hands over the socket of the `ws` WebSocketServer it was given (node-http-server.ts),
  // whose send() reports when a message has gone out: the feed's backpressure.
  const socket = ws.raw as WebSocket;
  return {
    write: (message: LiveMessage) =>
      new Promise<void>((resolve, reject) => {
        // A socket has no last id, so it is never reset and needs no position; TCP keeps it open without heartbeats.
        if (message.type !== 'todo') return resolve();
        const { id, change, todo } = message.event;
        socket.send(JSON.stringify({ type: 'todo', id, change, todo }), (error) => (error ? reject(error) : resolve()));
      }),
    end(reason: LiveEnd) {
      switch (reason) {
        case 'expired':
        case 'session_ended':
          return ws.close(SESSION_ENDED.code, SESSION_ENDED.reason);
        case 'overflow':
          // A close frame would wait behind everything the client has not read.
          return socket.terminate();
        case 'gone':
          return;
      }
    },
  };
}

/**
 * GET /api/ws?ticket=...: the caller's changes over a WebSocket, for a ticket from POST
 * /api/ws-ticket. The ticket is used up by its first presentation; every refusal is an HTTP
 * answer before the upgrade: 401 invalid_ticket (unknown, used, expired, or its session ended),
 * 403 cross_site_request (an Origin other than the ticket's), 426 (not an upgrade), 429 (no room).
 */
export function liveSocket(services: Services): MiddlewareHandler<MockApiEnv> {
  return async (c) => {
    const holder = await services.wsTickets.redeem(c.req.query('ticket'), c.req.header('Origin'));
    if (!services.refreshTokens.isActive(holder.sid)) throw new HttpError(401, 'invalid_ticket', 'The session of this ticket has ended.');
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      throw new HttpError(426, 'upgrade_required', 'This endpoint is a WebSocket.', { Upgrade: 'websocket' });
    }
    services.live.checkRoom(holder.userId);
    let feed: LiveFeed | undefined;
    return upgradeWebSocket(c, {
      onOpen(_event, ws) {
        try {
          feed = services.live.open({ userId: holder.userId, sid: holder.sid });
        } catch {
          ws.close(TRY_AGAIN_LATER.code, TRY_AGAIN_LATER.reason);
          return;
        }
        feed.attach(socketSink(ws));
      },
      onClose: () => feed?.end('gone'),
      onError: () => feed?.end('gone'),
    });
  };
}
