import { ApiError, fetchWsTicket, type WsTicket } from './api';
import { retryDelaySeconds } from './backoff';
import type { LiveFeed, LiveHandlers } from './live-feed';
import { parseJson, parseTodoChange } from './todo-change';

/** The part of a WebSocket the feed uses (a fake in tests). */
export interface WebSocketLike {
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** What the feed needs from the outside world. */
export interface WsFeedDeps {
  ticket: () => Promise<WsTicket>;
  create: (url: string) => WebSocketLike;
  origin: string;
}

/** The WebSocket URL for a ticket: ws: or wss: on the page's own origin. */
export const socketUrl = (origin: string, ticket: string): string =>
  `${origin.replace(/^http/, 'ws')}/api/ws?ticket=${encodeURIComponent(ticket)}`;

const defaults = (): WsFeedDeps => ({ ticket: fetchWsTicket, create: (url) => new WebSocket(url), origin: location.origin });

/**
 * Keeps a WebSocket on /api/ws open. A socket cannot carry the token and bypasses the worker, so
 * each connection first gets a one-time ticket with a plain fetch (the worker authorizes that).
 * The socket has no replay: every open loads the list again. Repeated failures back off 1, 2, 4 ... 30 s;
 * a server without the endpoint (501) ends the feed.
 */
export function openWsFeed(handlers: LiveHandlers, deps: WsFeedDeps = defaults()): LiveFeed {
  let failures = 0;
  let closed = false;
  let socket: WebSocketLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function retry(retryAfter?: number): void {
    if (closed) return;
    failures += 1;
    handlers.state('reconnecting');
    timer = setTimeout(() => void connect(), retryDelaySeconds(failures, retryAfter) * 1000);
  }

  async function connect(): Promise<void> {
    let ticket: WsTicket;
    try {
      ticket = await deps.ticket();
    } catch (failure) {
      console.error('No ticket for a live WebSocket', failure);
      if (failure instanceof ApiError && failure.status === 501) handlers.state('off');
      else retry(failure instanceof ApiError ? failure.retryAfter : undefined);
      return;
    }
    if (closed) return;
    const current = deps.create(socketUrl(deps.origin, ticket.ticket));
    socket = current;
    current.addEventListener('open', () => {
      failures = 0;
      handlers.state('connected');
      handlers.resync();
    });
    current.addEventListener('message', (event) => {
      const change = parseTodoChange(parseJson(event.data));
      if (change) handlers.change(change);
      else console.warn('A WebSocket message could not be read', event.data);
    });
    // An error is always followed by close.
    current.addEventListener('close', () => retry());
  }

  handlers.state('connecting');
  void connect();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      socket?.close();
      handlers.state('off');
    },
  };
}
