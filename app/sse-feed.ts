import { retryDelaySeconds } from './backoff';
import type { LiveFeed, LiveHandlers } from './live-feed';
import { parseJson, parseTodoChange } from './todo-change';

/** The part of an EventSource the feed uses (a fake in tests). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

/** The event stream's URL, resuming after `lastId` when there is one. */
export const eventsUrl = (lastId: string): string =>
  lastId === '' ? '/api/events' : `/api/events?lastEventId=${encodeURIComponent(lastId)}`;

/**
 * Keeps an EventSource on /api/events open. Chromium does not hand Last-Event-ID to the service
 * worker, so on every error or end it closes the EventSource and opens a new one with the last id
 * it saw in the URL (the server replays what came since); repeated failures back off 1, 2, 4 ... 30 s.
 */
export function openSseFeed(handlers: LiveHandlers, create: (url: string) => EventSourceLike = (url) => new EventSource(url)): LiveFeed {
  let lastId = '';
  let failures = 0;
  let source: EventSourceLike | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const remember = (event: MessageEvent): void => void (lastId = event.lastEventId);
  function connect(): void {
    const current = create(eventsUrl(lastId));
    source = current;
    current.addEventListener('open', () => {
      failures = 0;
      handlers.state('connected');
    });
    // A fresh stream (ready) or a gap too old to replay (reset): only the list itself is sure.
    for (const type of ['ready', 'reset']) {
      current.addEventListener(type, (event) => {
        remember(event);
        handlers.resync();
      });
    }
    current.addEventListener('todo', (event) => {
      remember(event);
      const change = parseTodoChange(parseJson(event.data));
      if (change) handlers.change(change);
      else console.warn('An event stream change could not be read', event.data);
    });
    current.addEventListener('error', () => {
      current.close();
      failures += 1;
      handlers.state('reconnecting');
      timer = setTimeout(connect, retryDelaySeconds(failures) * 1000);
    });
  }

  handlers.state('connecting');
  connect();
  return {
    close: () => {
      clearTimeout(timer);
      source?.close();
      handlers.state('off');
    },
  };
}
