import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../protocol.ts';
import { jsonApi } from './adapters/json-api.ts';
import { resolveOptions } from './options.ts';
import { ManualClock, MemoryStore } from './test-fakes.ts';
import { TokenBroker } from './token-broker.ts';

// The broker in front of a tutorial-shaped API on another origin: plain 401s, 400 {message}.
const APP = 'https://app.test';
const API = 'https://api.test';
const key = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');

class TutorialServer {
  refreshCookie: string | undefined;
  valid = new Set<string>();
  calls: { path: string; authorization: string | null }[] = [];
  unreachable = false;
  #issued = 0;

  async #grant(): Promise<Response> {
    this.#issued += 1;
    const jwtToken = await new SignJWT({ id: 1, n: this.#issued })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(key);
    this.valid.add(jwtToken);
    this.refreshCookie = `r${this.#issued}`;
    return Response.json({ id: 1, firstName: 'Test', lastName: 'User', username: 'test', jwtToken });
  }

  readonly transport = async (request: Request): Promise<Response> => {
    if (this.unreachable) throw new TypeError('Failed to fetch');
    const path = new URL(request.url).pathname;
    const authorization = request.headers.get('Authorization');
    this.calls.push({ path, authorization });
    const bearer = authorization?.replace(/^Bearer /, '') ?? '';
    if (path === '/users/authenticate') {
      const { password } = (await request.json()) as { password: string };
      return password === 'test' ? this.#grant() : Response.json({ message: 'Username or password is incorrect' }, { status: 400 });
    }
    if (path === '/users/refresh-token')
      return this.refreshCookie ? this.#grant() : Response.json({ message: 'Invalid token' }, { status: 400 });
    if (!this.valid.has(bearer)) return Response.json({ message: 'Unauthorized' }, { status: 401 });
    if (path === '/users/revoke-token') {
      this.refreshCookie = undefined;
      return Response.json({ message: 'Token revoked' });
    }
    return Response.json([{ id: 1 }]);
  };
}

let server: TutorialServer;
let logs: string[];
let broadcasts: Session[];

function makeBroker(): TokenBroker {
  const adapter = jsonApi({
    endpoints: { login: `${API}/users/authenticate`, refresh: `${API}/users/refresh-token`, logout: `${API}/users/revoke-token` },
    tokenField: 'jwtToken',
    logoutWithAccessToken: true,
  });
  const config = resolveOptions({ adapter, allowlist: [`${API}/users`, `${API}/users/`] }, APP);
  return new TokenBroker(config, {
    transport: server.transport,
    clock: new ManualClock(Date.now()),
    store: new MemoryStore(),
    log: (line) => logs.push(line),
    broadcast: (session) => broadcasts.push(session),
  });
}

beforeEach(() => {
  server = new TutorialServer();
  logs = [];
  broadcasts = [];
});

describe('TokenBroker with jsonApi in front of a tutorial-shaped API', () => {
  it('signs in with the user from the answer and the lifetime from the JWT', async () => {
    const session = await makeBroker().login({ username: 'test', password: 'test' });
    expect(session.user).toEqual({ id: 1, firstName: 'Test', lastName: 'User', username: 'test' });
    expect(session.accessExpiresAt).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it('reads a 400 to a sign-in as wrong credentials, and logs nothing for it', async () => {
    await expect(makeBroker().login({ username: 'test', password: 'nope' })).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(logs).toEqual([]);
  });

  it('heals a plain 401 with one refresh and one retry', async () => {
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    server.valid.clear();
    const response = await broker.fetch(new Request(`${API}/users`));
    expect(response.status).toBe(200);
    expect(server.calls.map((call) => call.path)).toEqual(['/users/authenticate', '/users', '/users/refresh-token', '/users']);
  });

  it('ends the session on a 400 to the refresh, tells every tab, and hands the page the 401', async () => {
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    server.valid.clear();
    server.refreshCookie = undefined;
    const response = await broker.fetch(new Request(`${API}/users`));
    expect(response.status).toBe(401);
    expect((await broker.session()).status).toBe('signed-out');
    expect(broadcasts.at(-1)).toEqual({ status: 'signed-out' });
    expect(logs).toEqual([`refresh failed (jsonApi, ${API}/users/refresh-token): invalid_grant: The session has ended; sign in again.`]);
  });

  it('signs out through the revoke endpoint with the access token, refreshing it first when it was refused', async () => {
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    server.valid.clear(); // the held token is dead: the revoke call is refused once, then retried
    expect(await broker.logout()).toEqual({ status: 'signed-out' });
    const revokes = server.calls.filter((call) => call.path === '/users/revoke-token');
    expect(revokes).toHaveLength(2);
    expect(revokes.every((call) => /^Bearer eyJ/.test(call.authorization ?? ''))).toBe(true);
    expect(server.refreshCookie).toBeUndefined();
  });

  it('says in the log, and in the error, what to check when the API cannot be reached; never a secret', async () => {
    server.unreachable = true;
    const error = await makeBroker()
      .login({ username: 'test', password: 'hunter2' })
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'network', message: expect.stringContaining(`connect-src ${API}`) });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(`login failed (jsonApi, ${API}/users/authenticate): network:`);
    expect(logs[0]).toContain(`Access-Control-Allow-Origin: ${APP}`);
    expect(logs[0]).not.toContain('hunter2');
  });

  it('logs the field an unexpected answer lacks, without the answer', async () => {
    const broker = new TokenBroker(
      resolveOptions(
        { adapter: jsonApi({ endpoints: { login: `${API}/login`, refresh: `${API}/refresh` } }), allowlist: [`${API}/v1/`] },
        APP,
      ),
      {
        transport: async () => Response.json({ jwtToken: 'eyJ.secret.token' }),
        clock: new ManualClock(),
        store: new MemoryStore(),
        log: (line) => logs.push(line),
      },
    );
    await expect(broker.login({ username: 'a', password: 'b' })).rejects.toMatchObject({ code: 'bad_response' });
    expect(logs).toEqual([
      `login failed (jsonApi, ${API}/login): bad_response: login: "access_token" is missing or not a non-empty string.`,
    ]);
  });
});
