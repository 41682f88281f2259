import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { MockApiEnv, Services } from './app.ts';
import type { ApiCaller } from './authenticate.ts';
import type { LiveEnd, LiveMessage, LiveSink } from './live-feed.ts';

/** How long the browser waits before it reconnects a stream that ended, ms: the stream's first field. */
export const SSE_RETRY_MS = 1000;

/** A comment this often keeps an idle stream open through proxies, ms. */
export const SSE_HEARTBEAT_MS = 15_000;

// hono's writeSSE writes events, each with a data field; the first block (the reconnect delay,
// which dispatches no event) and the comment are written as they are.
const OPENING = `retry: ${SSE_RETRY_MS}\n\n`;
const HEARTBEAT = ': heartbeat\n\n';

/**
 * The client's last event id: the Last-Event-ID header, or else the `lastEventId` query parameter.
 * Chromium does not hand Last-Event-ID to a service worker's fetch event, so a page behind the
 * worker reconnects by itself, with the id in the URL. Anything but digits is NaN, which the hub
 * answers with a reset.
 */
function lastEventIdOf(c: Context<MockApiEnv>): number | undefined {
  const value = c.req.header('Last-Event-ID') || c.req.query('lastEventId');
  if (value === undefined || value === '') return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
}

function sseSink(stream: SSEStreamingApi, dropConnection: () => void): LiveSink {
  return {
    async write(message: LiveMessage) {
      switch (message.type) {
        case 'ready':
          return stream.writeSSE({ id: String(message.lastId), event: 'ready', data: JSON.stringify({ lastId: message.lastId }) });
        case 'todo': {
          const { id, change, todo } = message.event;
          return stream.writeSSE({ id: String(id), event: 'todo', data: JSON.stringify({ change, todo }) });
        }
        case 'reset':
          return stream.writeSSE({ id: String(message.lastId), event: 'reset', data: '' });
        case 'heartbeat':
          await stream.write(HEARTBEAT);
      }
    },
    end(reason: LiveEnd) {
      // A client that stopped reading is cut off; any other end closes the stream cleanly.
      if (reason === 'overflow') {
        stream.abort();
        dropConnection();
      }
    },
  };
}

/**
 * GET /api/events: the caller's changes as server-sent events, after what Last-Event-ID (or
 * `?lastEventId=`) says they missed. The stream ends cleanly when the access token it was opened with expires, or
 * its session ends, so the browser's reconnect comes through the service worker with a fresh one.
 */
export function eventStream(c: Context<MockApiEnv>, services: Services, caller: ApiCaller, dropConnection: () => void): Response {
  const feed = services.live.open({
    userId: caller.user.id,
    sid: caller.sid,
    expiresAt: caller.expiresAt,
    lastEventId: lastEventIdOf(c),
  });
  const response = streamSSE(c, async (stream) => {
    const ended = new Promise<LiveEnd>((resolve) => feed.onEnd(resolve));
    stream.onAbort(() => feed.end('gone'));
    c.req.raw.signal.addEventListener('abort', () => feed.end('gone'), { once: true });
    const heartbeat = setInterval(() => feed.heartbeat(), SSE_HEARTBEAT_MS);
    void stream.write(OPENING);
    feed.attach(sseSink(stream, dropConnection));
    await ended;
    clearInterval(heartbeat);
  });
  response.headers.set('Cache-Control', 'no-store');
  return response;
}
