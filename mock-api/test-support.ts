import { createServices, mockApiApp, type MockApi, type Services } from './app.ts';
import { mockApiConfig, type MockApiConfig } from './config.ts';

/** A mock API on a manual clock, with cheap password hashing, for tests. */
export interface TestApi {
  app: MockApi;
  /** The state behind `app`. */
  services: Services;
  clock: { now: number; advance(seconds: number): void };
  /** Sends a request to the app through `app.request()` (no socket: every request is the same client). */
  send(path: string, init?: RequestInit, origin?: string): Promise<Response>;
  /** Logs in and returns the access token and the refresh cookie pair (`name=value`). */
  login(username?: string, password?: string): Promise<{ accessToken: string; cookie: string; body: Record<string, unknown> }>;
  refresh(cookie: string): Promise<Response>;
}

/** The `name=value` part of the response's refresh cookie. */
export function cookieOf(response: Response): string {
  const header = response.headers.getSetCookie()[0] ?? '';
  return header.split(';')[0] ?? '';
}

/** Builds a TestApi; `overrides` adjust the configuration. */
export async function testApi(overrides: Partial<MockApiConfig> = {}): Promise<TestApi> {
  const clock = {
    now: Date.UTC(2026, 0, 1),
    advance(seconds: number) {
      clock.now += seconds * 1000;
    },
  };
  const services = await createServices(mockApiConfig({ pbkdf2Iterations: 1_000, controls: true, now: () => clock.now, ...overrides }));
  const app = mockApiApp(services);
  const send = async (path: string, init?: RequestInit, origin = 'http://localhost:4173'): Promise<Response> =>
    app.request(`${origin}${path}`, init);
  return {
    app,
    services,
    clock,
    send,
    async login(username = 'test', password = 'test') {
      const response = await send('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (response.status !== 200) throw new Error(`login answered ${response.status}`);
      const body = (await response.json()) as Record<string, unknown>;
      return { accessToken: String(body.access_token), cookie: cookieOf(response), body };
    },
    refresh: (cookie) => send('/auth/refresh', { method: 'POST', headers: { Cookie: cookie } }),
  };
}

/** Authorization for an access token. */
export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** One block of an event stream: its fields by name, a comment line as `comment`. */
export type EventBlock = Record<string, string>;

/** Reads an event stream block by block, as a test sees it. */
export interface EventStreamReader {
  /** The next block, or undefined once the stream has ended cleanly. */
  next(): Promise<EventBlock | undefined>;
  /** Stops reading: the client goes away. */
  cancel(): Promise<void>;
}

function parseBlock(block: string): EventBlock {
  const fields: EventBlock = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) fields.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
    }
  }
  return fields;
}

/** A reader of the event stream `response` carries. */
export function readEventStream(response: Response): EventStreamReader {
  if (!response.body) throw new Error('the response has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    async next() {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          return parseBlock(block);
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffered += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}
