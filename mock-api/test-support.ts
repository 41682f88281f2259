import { createMockApi, type MockApi } from './app.ts';
import { mockApiConfig, type MockApiConfig } from './config.ts';

/** A mock API on a manual clock, with cheap password hashing, for tests. */
export interface TestApi {
  app: MockApi;
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
  const app = await createMockApi(mockApiConfig({ pbkdf2Iterations: 1_000, controls: true, now: () => clock.now, ...overrides }));
  const send = async (path: string, init?: RequestInit, origin = 'http://localhost:4173'): Promise<Response> =>
    app.request(`${origin}${path}`, init);
  return {
    app,
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
