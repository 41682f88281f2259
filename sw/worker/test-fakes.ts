import type { BrokerError } from '../errors.ts';
import type { KeyStore } from './dpop/key-store.ts';
import type { UserRecord } from '../protocol.ts';
import { resolveOptions, type BrokerConfig, type TokenBrokerOptions } from './options.ts';
import type { QueueStore } from './offline-queue/queue-store.ts';
import type { StoredWrite } from './offline-queue/queued-write.ts';
import type { SessionStore, StoredSession } from './session-store.ts';
import type { Clock } from './token-broker.ts';

/** The origin the fakes pretend to serve. */
export const ORIGIN = 'http://app.test';

/** A broker configuration for the fake origin: the demo's (cookieSession, /api/, everything under /auth/ refused). */
export function testConfig(options: TokenBrokerOptions<UserRecord> = {}): BrokerConfig<UserRecord> {
  return resolveOptions({ allowlist: ['/api/'], brokerOnly: ['/auth/'], ...options }, ORIGIN);
}

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(public time = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** A Map-backed SessionStore that also keeps every value written, to check what was stored. */
export class MemoryStore implements SessionStore {
  readonly map = new Map<string, StoredSession<unknown>>();
  readonly writes: unknown[] = [];
  async load(): Promise<unknown> {
    return this.map.get('session');
  }
  async save(session: StoredSession<unknown>): Promise<void> {
    this.writes.push(structuredClone(session));
    this.map.set('session', structuredClone(session));
  }
  async clear(): Promise<void> {
    this.map.delete('session');
  }
}

/** A QueueStore in a variable, structured-cloned as IndexedDB would (empty: undefined); `stored` may be set to anything. */
export class MemoryQueueStore implements QueueStore {
  stored: unknown;
  /** Every list written, to check what was ever stored. */
  readonly writes: StoredWrite[][] = [];
  async load(): Promise<unknown> {
    return structuredClone(this.stored);
  }
  async update(change: (stored: unknown) => StoredWrite[]): Promise<void> {
    const next = change(structuredClone(this.stored));
    this.writes.push(structuredClone(next));
    this.stored = next.length > 0 ? structuredClone(next) : undefined;
  }
}

/** The fake server's users: `test`/`test` (id 1) and `ada`/`lovelace` (id 2). */
export const FAKE_USERS = {
  test: { username: 'test', password: 'test', user: { id: 1, username: 'test', firstName: 'Test', lastName: 'User' } },
  ada: { username: 'ada', password: 'lovelace', user: { id: 2, username: 'ada', firstName: 'Ada', lastName: 'Lovelace' } },
};

/** What the fake refresh endpoint does next. */
export type RefreshMode = 'ok' | 'invalid_grant' | 'network' | 'unavailable' | 'hang';

/** A scripted auth server + API behind a Transport, with counters. */
export class FakeServer {
  tokenTtlSeconds = 300;
  /** `DPoP` claims the tokens are bound (the fake checks no proof; token-broker.dpop.test.ts has a real one). */
  tokenType: 'Bearer' | 'DPoP' = 'Bearer';
  /** How far the browser's clock is ahead of the server's (negative: behind). */
  clientClockAheadMs = 0;
  refreshMode: RefreshMode = 'ok';
  /** When set, refreshes wait for it: lets a test line up concurrent requests. */
  refreshGate: Promise<void> | undefined;
  /** Whether the browser holds a live refresh cookie. */
  cookie = false;
  loginCalls = 0;
  refreshCalls = 0;
  logoutCalls = 0;
  readonly apiRequests: {
    url: string;
    method: string;
    authorization: string | null;
    body: string;
    mode: RequestMode;
    redirect: RequestRedirect;
  }[] = [];
  readonly #valid = new Map<string, number>();
  #issued = 0;
  /** The user the refresh cookie belongs to. */
  #cookieUser: Record<string, unknown> = FAKE_USERS.test.user;

  constructor(private readonly clock: ManualClock) {}

  /** Makes every token issued so far invalid, as a key rotation would. */
  revokeAllTokens(): void {
    this.#valid.clear();
  }

  readonly transport = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/auth/') && request.method !== 'POST')
      return Response.json({ error: 'method_not_allowed' }, { status: 405, headers: { Allow: 'POST' } });
    if (path === '/auth/login') return this.#login(request);
    if (path === '/auth/refresh') return this.#refresh(request);
    if (path === '/auth/logout') {
      this.logoutCalls += 1;
      this.cookie = false;
      return new Response(null, { status: 204 });
    }
    return this.#api(request);
  };

  #serverNow(): number {
    return this.clock.now() - this.clientClockAheadMs;
  }

  #grant(user: Record<string, unknown> = this.#cookieUser): Response {
    this.#issued += 1;
    const token = `eyJfake.token${this.#issued}.sig`;
    this.#valid.set(token, this.#serverNow() + this.tokenTtlSeconds * 1000);
    this.cookie = true;
    this.#cookieUser = user;
    return Response.json({ access_token: token, token_type: this.tokenType, expires_in: this.tokenTtlSeconds, user });
  }

  /** The body of the last login request. */
  lastLogin: unknown;

  async #login(request: Request): Promise<Response> {
    this.loginCalls += 1;
    const body = (await request.json()) as { username: string; password: string };
    this.lastLogin = body;
    const known = Object.values(FAKE_USERS).find((user) => user.username === body.username && user.password === body.password);
    if (known) return this.#grant(known.user);
    return Response.json({ error: 'invalid_credentials', message: 'no' }, { status: 401 });
  }

  async #refresh(request: Request): Promise<Response> {
    this.refreshCalls += 1;
    if (this.refreshGate) await this.refreshGate;
    switch (this.refreshMode) {
      case 'network':
        throw new TypeError('Failed to fetch');
      case 'unavailable':
        return Response.json({ error: 'server_error', message: 'down' }, { status: 503 });
      case 'hang':
        return new Promise<Response>((_, reject) => {
          request.signal.addEventListener('abort', () => reject(request.signal.reason as Error));
        });
      case 'invalid_grant':
        this.cookie = false;
        return Response.json({ error: 'invalid_grant', message: 'no' }, { status: 400 });
      case 'ok':
        if (!this.cookie) return Response.json({ error: 'invalid_grant', message: 'no' }, { status: 400 });
        return this.#grant();
    }
  }

  async #api(request: Request): Promise<Response> {
    const authorization = request.headers.get('Authorization');
    const body = await request.text();
    this.apiRequests.push({
      url: request.url,
      method: request.method,
      authorization,
      body,
      mode: request.mode,
      redirect: request.redirect,
    });
    const token = authorization?.replace(/^(Bearer|DPoP) /, '') ?? '';
    const expiresAt = this.#valid.get(token);
    if (expiresAt === undefined || this.#serverNow() >= expiresAt) {
      return Response.json(
        { error: 'invalid_token', message: 'no' },
        { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' } },
      );
    }
    return Response.json({ ok: true, body });
  }
}

/** The BrokerError a promise rejects with; fails the test when it resolves instead. */
export function rejectionOf(promise: Promise<unknown>): Promise<BrokerError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, got a value');
    },
    (error: unknown) => error as BrokerError,
  );
}

/** A DPoP KeyStore in a variable: the key pair a restarted worker finds, as IndexedDB would keep it. */
export class MemoryKeyStore implements KeyStore {
  pair: CryptoKeyPair | undefined;
  load = async (): Promise<CryptoKeyPair | undefined> => this.pair;
  save = async (pair: CryptoKeyPair): Promise<void> => void (this.pair = pair);
  clear = async (): Promise<void> => void (this.pair = undefined);
}
