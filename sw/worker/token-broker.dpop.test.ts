import { base64url, calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import type { UserRecord } from '../protocol.ts';
import { createDpop } from './dpop/dpop.ts';
import { ManualClock, MemoryKeyStore, MemoryStore, ORIGIN, testConfig } from './test-fakes.ts';
import { TokenBroker } from './token-broker.ts';

// A token server and API that bind tokens to the proof's key and, when asked, demand nonces.
class DpopServer {
  nonce: string | undefined;
  bindTokens = true;
  readonly calls: {
    path: string;
    authorization: string | null;
    proof: { htm: string; htu: string; ath?: string; nonce?: string } | undefined;
  }[] = [];
  #issued = new Map<string, string>(); // token -> jkt
  #count = 0;

  async #proof(request: Request, token?: string): Promise<{ ok: boolean; claims?: Record<string, unknown>; jkt?: string }> {
    const header = request.headers.get('DPoP');
    if (!header) return { ok: false };
    const { payload, protectedHeader } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    const url = new URL(request.url);
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk ?? {});
    const ath = token
      ? base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))))
      : undefined;
    const ok = payload.htm === request.method && payload.htu === `${url.origin}${url.pathname}` && payload.ath === ath;
    return { ok, claims: payload, jkt };
  }

  readonly transport = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const authorization = request.headers.get('Authorization');
    const token = authorization?.replace(/^(DPoP|Bearer) /, '');
    const proof = await this.#proof(request, path.startsWith('/api/') ? token : undefined);
    this.calls.push({ path, authorization, proof: proof.claims as DpopServer['calls'][number]['proof'] });
    const nonceHeaders: Record<string, string> = this.nonce ? { 'DPoP-Nonce': this.nonce } : {};
    if (this.nonce && proof.claims?.nonce !== this.nonce) {
      if (path.startsWith('/auth/')) return Response.json({ error: 'use_dpop_nonce' }, { status: 400, headers: nonceHeaders });
      return new Response(null, { status: 401, headers: { ...nonceHeaders, 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' } });
    }
    if (path === '/auth/login' || path === '/auth/refresh') {
      if (!proof.ok) return Response.json({ error: 'invalid_dpop_proof' }, { status: 400 });
      this.#count += 1;
      const issued = `eyJ.token${this.#count}.sig`;
      this.#issued.set(issued, proof.jkt ?? '');
      const body = {
        access_token: issued,
        token_type: this.bindTokens ? 'DPoP' : 'Bearer',
        expires_in: 300,
        user: { id: 1, username: 'test' },
      };
      return Response.json(body, { headers: nonceHeaders });
    }
    if (path === '/auth/logout') return new Response(null, { status: 204 });
    const bound = token ? this.#issued.get(token) : undefined;
    if (!authorization?.startsWith('DPoP ') || !proof.ok || bound !== proof.jkt) {
      return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"' } });
    }
    return Response.json({ ok: true }, { headers: nonceHeaders });
  };
}

let server: DpopServer;
let keys: MemoryKeyStore;
let logs: string[];

let clock: ManualClock;

function makeBroker(): TokenBroker<UserRecord> {
  clock = new ManualClock();
  return new TokenBroker(testConfig({ dpop: true }), {
    transport: server.transport,
    clock,
    store: new MemoryStore(),
    log: (line) => logs.push(line),
    dpop: createDpop({ store: keys, clock }),
  });
}

beforeEach(() => {
  server = new DpopServer();
  keys = new MemoryKeyStore();
  logs = [];
});

describe('TokenBroker with DPoP', () => {
  it('sends a proof to the token endpoint and `DPoP <token>` with an ath-bearing proof to the API', async () => {
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    const response = await broker.fetch(new Request(`${ORIGIN}/api/users?page=2`));
    expect(response.status).toBe(200);
    const [login, api] = server.calls;
    expect(login?.proof).toMatchObject({ htm: 'POST', htu: `${ORIGIN}/auth/login` });
    expect(login?.proof?.ath).toBeUndefined();
    expect(api?.authorization).toBe('DPoP eyJ.token1.sig');
    expect(api?.proof).toMatchObject({ htm: 'GET', htu: `${ORIGIN}/api/users`, ath: expect.any(String) });
  });

  it('retries a token call once with the nonce the server asks for, sending the body again', async () => {
    server.nonce = 'n-1';
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    expect(server.calls.map((call) => [call.path, call.proof?.nonce])).toEqual([
      ['/auth/login', undefined],
      ['/auth/login', 'n-1'],
    ]);
  });

  it('retries an API call once when the nonce rotates, and shares one refresh among concurrent requests', async () => {
    server.nonce = 'n-1';
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    server.nonce = 'n-2';
    const statuses = await Promise.all(
      Array.from(
        { length: 5 },
        async () => (await broker.fetch(new Request(`${ORIGIN}/api/todos`, { method: 'POST', body: '{"title":"x"}' }))).status,
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(server.calls.filter((call) => call.path === '/auth/refresh')).toHaveLength(0);
    expect(server.calls.filter((call) => call.path === '/api/todos' && call.proof?.nonce === 'n-2')).toHaveLength(5);
  });

  it('rotates to a new nonce inside the one shared refresh of a storm', async () => {
    server.nonce = 'n-1';
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    clock.advance(301_000); // the token has expired
    server.nonce = 'n-2';
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await broker.fetch(new Request(`${ORIGIN}/api/users`))).status),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    // One refresh: refused once for the nonce, then granted; never a second refresh.
    expect(server.calls.filter((call) => call.path === '/auth/refresh').map((call) => call.proof?.nonce)).toEqual(['n-1', 'n-2']);
  });

  it('says clearly when the server ignores the proof, instead of holding a token it cannot use', async () => {
    server.bindTokens = false;
    await expect(makeBroker().login({ username: 'test', password: 'test' })).rejects.toMatchObject({
      code: 'bad_response',
      message: expect.stringContaining('does not support DPoP; set the option dpop: false'),
    });
    expect(logs[0]).toContain('login failed (cookieSession');
  });

  it('uses a new key after sign-out', async () => {
    const broker = makeBroker();
    await broker.login({ username: 'test', password: 'test' });
    const first = keys.pair;
    await broker.logout();
    expect(keys.pair).toBeUndefined();
    await broker.login({ username: 'test', password: 'test' });
    expect(keys.pair).toBeDefined();
    expect(keys.pair).not.toBe(first);
  });
});
