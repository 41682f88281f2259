import { describe, expect, it, vi } from 'vitest';
import { cookieOf, testApi } from './test-support.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

describe('POST /auth/login', () => {
  it('answers 200 with a bearer token, its lifetime and the user, and sets the refresh cookie', async () => {
    const t = await testApi({ accessTtl: 60 });
    const response = await t.send('/auth/login', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"username":"ada","password":"lovelace"}',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/),
      token_type: 'Bearer',
      expires_in: 60,
      user: { id: 2, username: 'ada', firstName: 'Ada', lastName: 'Lovelace' },
    });
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const cookie = response.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^refresh_token=[\w-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/auth');
    expect(cookie).toContain('Max-Age=604800');
    expect(cookie).not.toContain('Secure');
  });

  it('marks the cookie Secure on an https origin', async () => {
    const t = await testApi();
    const response = await t.send(
      '/auth/login',
      { method: 'POST', headers: JSON_HEADERS, body: '{"username":"test","password":"test"}' },
      'https://app.example',
    );
    expect(response.headers.getSetCookie()[0]).toContain('; Secure');
  });

  it('answers an unknown user and a wrong password identically', async () => {
    const t = await testApi();
    const unknown = await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: '{"username":"nobody","password":"test"}' });
    const wrong = await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: '{"username":"test","password":"nope"}' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await unknown.json()).toEqual(await wrong.json());
    expect(unknown.headers.getSetCookie()).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"username":'],
    ['JSON null', 'null'],
    ['an array', '[]'],
    ['a missing password', '{"username":"test"}'],
    ['a number for a username', '{"username":1,"password":"test"}'],
    ['an empty username', '{"username":"","password":"test"}'],
  ])('answers 400 invalid_request to %s', async (_, body) => {
    const t = await testApi();
    const response = await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
  });

  it('answers 400 to a login without a body', async () => {
    const t = await testApi();
    expect((await t.send('/auth/login', { method: 'POST' })).status).toBe(400);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const t = await testApi();
    const response = await t.send('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=test&password=test',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('answers 413 to an oversized body, declared or not', async () => {
    const t = await testApi({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ username: 'x'.repeat(2000), password: 'y' });
    const declared = await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: big });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    // Node's fetch needs `duplex` for a streamed body; not every lib's RequestInit declares it.
    const init: RequestInit & { duplex: 'half' } = { method: 'POST', headers: JSON_HEADERS, body: stream, duplex: 'half' };
    const undeclared = await t.send('/auth/login', init);
    expect(undeclared.status).toBe(413);
    expect(await undeclared.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('rate-limits failed attempts per username and client with Retry-After, before checking the password', async () => {
    const t = await testApi({ rateLimit: { windowSeconds: 60, perUsernameAndClient: 3, perClient: 100 } });
    const attempt = (password: string): Promise<Response> =>
      t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ username: 'test', password }) });
    for (let i = 0; i < 3; i += 1) expect((await attempt('wrong')).status).toBe(401);
    const limited = await attempt('test');
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('Retry-After'))).toBeLessThanOrEqual(60);
    t.clock.advance(61);
    expect((await attempt('test')).status).toBe(200);
  });

  it('rate-limits failed attempts per client address across usernames', async () => {
    const t = await testApi({ rateLimit: { windowSeconds: 60, perUsernameAndClient: 100, perClient: 2 } });
    for (const username of ['a', 'b']) {
      await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ username, password: 'x' }) });
    }
    const limited = await t.send('/auth/login', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"username":"ada","password":"lovelace"}',
    });
    expect(limited.status).toBe(429);
  });

  it('answers 405 with Allow to a GET', async () => {
    const t = await testApi();
    const response = await t.send('/auth/login');
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('POST');
  });
});

describe('POST /auth/refresh', () => {
  it('rotates the cookie and issues a new access token', async () => {
    const t = await testApi();
    const session = await t.login();
    const response = await t.refresh(session.cookie);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', user: { username: 'test' } });
    expect(body.access_token).not.toBe(session.accessToken);
    expect(cookieOf(response)).not.toBe(session.cookie);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
  });

  it('answers 400 invalid_grant without a cookie, and clears it', async () => {
    const t = await testApi();
    const response = await t.send('/auth/refresh', { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    expect(response.headers.getSetCookie()[0]).toContain('Max-Age=0');
  });

  it('honours the just-replaced token once within the grace, for a lost response', async () => {
    const t = await testApi({ reuseGrace: 2 });
    const { cookie } = await t.login();
    const rotated = await t.refresh(cookie);
    expect(rotated.status).toBe(200);
    t.clock.advance(1);
    const retried = await t.refresh(cookie); // the response above never arrived
    expect(retried.status).toBe(200);
    expect((await t.refresh(cookieOf(retried))).status).toBe(200);
  });

  it('detects reuse after the grace and revokes the whole family', async () => {
    const t = await testApi({ reuseGrace: 2 });
    const { cookie } = await t.login();
    const rotated = await t.refresh(cookie);
    t.clock.advance(3);
    const replay = await t.refresh(cookie);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    // The legitimate holder's newer token is dead too.
    expect((await t.refresh(cookieOf(rotated))).status).toBe(400);
    const stats = (await (await t.send('/__mock/stats')).json()) as Record<string, number>;
    expect(stats.reuseDetected).toBe(1);
  });

  it('detects a second replay inside the grace', async () => {
    const t = await testApi({ reuseGrace: 2 });
    const { cookie } = await t.login();
    await t.refresh(cookie);
    expect((await t.refresh(cookie)).status).toBe(200);
    expect((await t.refresh(cookie)).status).toBe(400);
  });

  it('refuses a tampered or unknown token without revoking anyone', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA');
    expect((await t.refresh(tampered)).status).toBe(400);
    expect((await t.refresh('refresh_token=made-up')).status).toBe(400);
    expect((await t.refresh(cookie)).status).toBe(200);
  });

  it('never extends the family past its absolute lifetime', async () => {
    const t = await testApi({ refreshTtl: 100 });
    let { cookie } = await t.login();
    for (const remaining of [60, 20]) {
      t.clock.advance(40);
      const response = await t.refresh(cookie);
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()[0]).toContain(`Max-Age=${remaining};`);
      cookie = cookieOf(response);
    }
    t.clock.advance(21);
    expect((await t.refresh(cookie)).status).toBe(400);
  });
});

describe('POST /auth/logout', () => {
  it('answers 204, clears the cookie and revokes the family', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    const response = await t.send('/auth/logout', { method: 'POST', headers: { Cookie: cookie } });
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()[0]).toMatch(/^refresh_token=; Max-Age=0; Path=\/auth; HttpOnly; SameSite=Strict/);
    expect((await t.refresh(cookie)).status).toBe(400);
  });

  it('answers 204 even without a cookie', async () => {
    const t = await testApi();
    expect((await t.send('/auth/logout', { method: 'POST' })).status).toBe(204);
  });
});

describe('the API', () => {
  it('serves /api/me, /api/users and the caller’s own todos', async () => {
    const t = await testApi();
    const test = await t.login('test', 'test');
    const ada = await t.login('ada', 'lovelace');
    expect(await (await t.send('/api/me', { headers: bearer(test.accessToken) })).json()).toEqual({
      id: 1,
      username: 'test',
      firstName: 'Test',
      lastName: 'User',
    });
    const users = (await (await t.send('/api/users', { headers: bearer(test.accessToken) })).json()) as unknown[];
    expect(users).toHaveLength(2);

    const created = await t.send('/api/todos', {
      method: 'POST',
      headers: { ...bearer(test.accessToken), ...JSON_HEADERS },
      body: '{"title":"milk"}',
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: expect.any(Number), title: 'milk', done: false });
    expect(await (await t.send('/api/todos', { headers: bearer(test.accessToken) })).json()).toEqual([
      expect.objectContaining({ title: 'milk' }),
    ]);
    expect(await (await t.send('/api/todos', { headers: bearer(ada.accessToken) })).json()).toEqual([]);
  });

  it('answers 400 to a todo without a usable title', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    for (const body of ['{}', '{"title":""}', '{"title":"   "}', '{"title":5}', `{"title":"${'x'.repeat(201)}"}`]) {
      const response = await t.send('/api/todos', { method: 'POST', headers: { ...bearer(accessToken), ...JSON_HEADERS }, body });
      expect(response.status).toBe(400);
    }
  });

  it('answers 401 with a bare Bearer challenge when no token was sent', async () => {
    const t = await testApi();
    const response = await t.send('/api/users');
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="api"');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
  });

  it('answers 401 invalid_token to an expired token', async () => {
    const t = await testApi({ accessTtl: 60 });
    const { accessToken } = await t.login();
    t.clock.advance(66); // past exp and the 5 s tolerance
    const response = await t.send('/api/users', { headers: bearer(accessToken) });
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
  });

  it('answers 401 to tokens signed before a key rotation', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    expect((await t.send('/__mock/rotate-keys', { method: 'POST' })).status).toBe(204);
    expect((await t.send('/api/me', { headers: bearer(accessToken) })).status).toBe(401);
  });

  it('answers 400 to a duplicated or non-Bearer Authorization header', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const doubled = new Headers();
    doubled.append('Authorization', `Bearer ${accessToken}`);
    doubled.append('Authorization', `Bearer ${accessToken}`);
    expect((await t.send('/api/me', { headers: doubled })).status).toBe(400);
    expect((await t.send('/api/me', { headers: { Authorization: 'Basic dGVzdDp0ZXN0' } })).status).toBe(400);
  });

  it('answers 404 not_found for unknown API paths', async () => {
    const t = await testApi();
    const response = await t.send('/api/nothing');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not_found' });
  });

  it('serves only public key members at /.well-known/jwks.json', async () => {
    const t = await testApi();
    const { keys } = (await (await t.send('/.well-known/jwks.json')).json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0] ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('never sends CORS grants', async () => {
    const t = await testApi();
    const response = await t.send('/auth/login', {
      method: 'POST',
      headers: { ...JSON_HEADERS, Origin: 'https://evil.example' },
      body: '{"username":"test","password":"test"}',
    });
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});

describe('/__mock controls', () => {
  it('do not exist unless enabled', async () => {
    const t = await testApi({ controls: false });
    for (const [path, method] of [
      ['/__mock/stats', 'GET'],
      ['/__mock/reset', 'POST'],
      ['/__mock/rotate-keys', 'POST'],
    ] as const) {
      expect((await t.send(path, { method })).status).toBe(404);
    }
  });

  it('count logins, refreshes, failures and API calls, and reset them', async () => {
    const t = await testApi();
    const { cookie, accessToken } = await t.login();
    await t.refresh(cookie);
    await t.refresh('refresh_token=nope');
    await t.send('/api/users', { headers: bearer(accessToken) });
    await t.send('/api/users');
    const stats = async (): Promise<unknown> => (await t.send('/__mock/stats')).json();
    const live = { liveConnections: 0, liveRefused: 0, liveDropped: 0 };
    expect(await stats()).toEqual({
      logins: 1,
      refreshes: 1,
      refreshFailures: 1,
      reuseDetected: 0,
      apiRequests: 2,
      apiUnauthorized: 1,
      ...live,
    });
    expect((await t.send('/__mock/reset', { method: 'POST' })).status).toBe(204);
    expect(await stats()).toEqual({
      logins: 0,
      refreshes: 0,
      refreshFailures: 0,
      reuseDetected: 0,
      apiRequests: 0,
      apiUnauthorized: 0,
      ...live,
    });
    expect((await t.refresh(cookie)).status).toBe(400);
  });
});

describe('keeping the user signed in', () => {
  it('sets a session cookie, also on rotation, when remember is false', async () => {
    const t = await testApi();
    const response = await t.send('/auth/login', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"username":"test","password":"test","remember":false}',
    });
    expect(response.headers.getSetCookie()[0]).not.toContain('Max-Age');
    const rotated = await t.refresh(cookieOf(response));
    expect(rotated.status).toBe(200);
    expect(rotated.headers.getSetCookie()[0]).not.toContain('Max-Age');
  });

  it('refuses a remember that is not a boolean', async () => {
    const t = await testApi();
    const response = await t.send('/auth/login', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"username":"test","password":"test","remember":"yes"}',
    });
    expect(response.status).toBe(400);
  });
});

describe('injected refresh faults', () => {
  it('answers 503 while the refresh endpoint is "unavailable", and works again once cleared', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    const set = (refresh: string | null): Promise<Response> =>
      t.send('/__mock/faults', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ refresh }) });
    expect((await set('unavailable')).status).toBe(204);
    const failed = await t.refresh(cookie);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('Retry-After')).toBe('1');
    expect((await set(null)).status).toBe(204);
    expect((await t.refresh(cookie)).status).toBe(200);
  });

  it('holds a refresh while "hang" is set and answers it 503 when released', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    expect((await t.send('/__mock/faults', { method: 'POST', headers: JSON_HEADERS, body: '{"refresh":"hang"}' })).status).toBe(204);
    const pending = t.refresh(cookie);
    // A request sent after the refresh is answered first: the refresh is still held.
    const first = await Promise.race([
      pending.then(() => 'refresh'),
      t.send('/__mock/stats').then((response) => `stats ${response.status}`),
    ]);
    expect(first).toBe('stats 200');
    await t.send('/__mock/reset', { method: 'POST' });
    // 503 proves it was waiting inside the fault: reset also revoked every refresh token, so a
    // refresh that had not reached the fault yet would get 400 invalid_grant instead.
    expect((await pending).status).toBe(503);
  });

  it('refuses an unknown fault', async () => {
    const t = await testApi();
    expect((await t.send('/__mock/faults', { method: 'POST', headers: JSON_HEADERS, body: '{"refresh":"explode"}' })).status).toBe(400);
  });
});

describe('login timing', () => {
  it('derives a PBKDF2 key for an unknown user exactly as for a wrong password', async () => {
    const t = await testApi();
    const original = crypto.subtle.deriveBits.bind(crypto.subtle);
    let derivations = 0;
    const spy = vi.spyOn(crypto.subtle, 'deriveBits').mockImplementation((algorithm, baseKey, length) => {
      derivations += 1;
      return original(algorithm, baseKey, length);
    });
    try {
      const attempt = async (username: string): Promise<number> => {
        derivations = 0;
        await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ username, password: 'wrong' }) });
        return derivations;
      };
      expect(await attempt('nobody')).toBe(1);
      expect(await attempt('test')).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('unexpected failures', () => {
  it('answer 500 server_error with no stack trace or exception text', async () => {
    let broken = false;
    const t = await testApi({
      now: () => {
        if (broken) throw new Error('internal detail at secret.ts:42');
        return Date.UTC(2026, 0, 1);
      },
    });
    broken = true;
    const response = await t.send('/auth/login', { method: 'POST', headers: JSON_HEADERS, body: '{"username":"test","password":"test"}' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'server_error', message: expect.any(String) });
    expect(text).not.toMatch(/secret|internal detail|\bat\s/);
  });
});

describe('headers', () => {
  it('sends exactly the CSP and the hardening headers, on answers and on failures', async () => {
    const t = await testApi();
    for (const response of [await t.send('/.well-known/jwks.json'), await t.send('/api/nothing'), await t.send('/auth/login')]) {
      expect(response.headers.get('Content-Security-Policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
          "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
      );
      expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
      expect(response.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin');
      expect(response.headers.get('X-Frame-Options')).toBeNull();
      expect(response.headers.get('Strict-Transport-Security')).toBeNull();
    }
  });

  it('marks nothing under /auth/, /api/ or /__mock/ cacheable, failures included', async () => {
    const t = await testApi();
    for (const [path, method] of [
      ['/auth/login', 'GET'],
      ['/auth/nothing', 'POST'],
      ['/api/nothing', 'GET'],
      ['/api/me', 'POST'],
      ['/__mock/stats', 'GET'],
    ] as const) {
      expect((await t.send(path, { method })).headers.get('Cache-Control'), `${method} ${path}`).toBe('no-store');
    }
  });
});

describe('request targets', () => {
  it('answers 400 to a target that a URL parser would read as another host', async () => {
    const t = await testApi();
    const response = await t.send('//evil.example/api/me');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers 405 with Allow to a method no route of the path has', async () => {
    const t = await testApi();
    const response = await t.send('/api/todos', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET, HEAD, POST');
    expect(await response.json()).toMatchObject({ error: 'method_not_allowed' });
  });
});

describe('cross-site requests to the token endpoints', () => {
  const OTHER_ORIGIN = 'http://localhost:5173';
  const crossSite = { Origin: OTHER_ORIGIN, 'Sec-Fetch-Site': 'same-site' };

  it('refuses a same-site, cross-origin logout with 403 and revokes nothing', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    const response = await t.send('/auth/logout', { method: 'POST', headers: { ...crossSite, Cookie: cookie } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'cross_site_request', message: expect.any(String) });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await t.refresh(cookie)).status).toBe(200);
  });

  it('refuses a same-site, cross-origin refresh with 403 and rotates nothing', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    const response = await t.send('/auth/refresh', { method: 'POST', headers: { ...crossSite, Cookie: cookie } });
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
    const stats = (await (await t.send('/__mock/stats')).json()) as Record<string, number>;
    expect(stats).toMatchObject({ refreshes: 0, refreshFailures: 0 });
    // Past the reuse grace, a cookie that had been rotated would now be a replay (400) and end the session.
    t.clock.advance(3);
    expect((await t.refresh(cookie)).status).toBe(200);
  });

  it.each([
    ['Origin alone', { Origin: OTHER_ORIGIN }],
    ['Sec-Fetch-Site: cross-site alone', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site with this origin', { Origin: 'http://localhost:4173', 'Sec-Fetch-Site': 'same-site' }],
    ['Origin: null', { Origin: 'null' }],
  ])('refuses a login that carries %s, before counting it', async (_, headers) => {
    const t = await testApi({ rateLimit: { windowSeconds: 60, perUsernameAndClient: 1, perClient: 100 } });
    const attempt = (extra: Record<string, string>): Promise<Response> =>
      t.send('/auth/login', { method: 'POST', headers: { ...JSON_HEADERS, ...extra }, body: '{"username":"test","password":"wrong"}' });
    expect((await attempt(headers)).status).toBe(403);
    expect((await attempt({})).status).toBe(401); // the refused attempt did not use up the one allowed failure
  });

  it('lets same-origin requests through, as the service worker sends them', async () => {
    const t = await testApi();
    const sameOrigin = { Origin: 'http://localhost:4173', 'Sec-Fetch-Site': 'same-origin' };
    const login = await t.send('/auth/login', {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...sameOrigin },
      body: '{"username":"test","password":"test"}',
    });
    expect(login.status).toBe(200);
    const refreshed = await t.send('/auth/refresh', { method: 'POST', headers: { ...sameOrigin, Cookie: cookieOf(login) } });
    expect(refreshed.status).toBe(200);
    const loggedOut = await t.send('/auth/logout', { method: 'POST', headers: { ...sameOrigin, Cookie: cookieOf(refreshed) } });
    expect(loggedOut.status).toBe(204);
  });

  it('lets requests with neither header through (not a browser)', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    expect((await t.refresh(cookie)).status).toBe(200);
  });

  it('compares Origin with the origin the request was made to', async () => {
    const t = await testApi();
    const response = await t.send(
      '/auth/login',
      { method: 'POST', headers: { ...JSON_HEADERS, Origin: 'https://app.example' }, body: '{"username":"test","password":"test"}' },
      'https://app.example',
    );
    expect(response.status).toBe(200);
  });
});

describe('bodies the token endpoints take none of', () => {
  it.each(['/auth/refresh', '/auth/logout'])('%s counts an empty body labelled application/json as no body', async (path) => {
    const t = await testApi();
    const { cookie } = await t.login();
    const response = await t.send(path, { method: 'POST', headers: { ...JSON_HEADERS, Cookie: cookie }, body: '' });
    expect(response.status).toBe(path === '/auth/refresh' ? 200 : 204);
  });

  it('still answers 415 to a body that is not JSON', async () => {
    const t = await testApi();
    const response = await t.send('/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    expect(response.status).toBe(415);
  });
});

describe('access tokens live no longer than their session', () => {
  const todos = (t: Awaited<ReturnType<typeof testApi>>, token: string): Promise<Response> =>
    t.send('/api/todos', { headers: bearer(token) });

  it('refuses a copied access token once the user signed out', async () => {
    const t = await testApi();
    const { accessToken, cookie } = await t.login();
    expect((await todos(t, accessToken)).status).toBe(200);
    expect((await t.send('/auth/logout', { method: 'POST', headers: { Cookie: cookie } })).status).toBe(204);
    const refused = await todos(t, accessToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
    const write = await t.send('/api/todos', {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...bearer(accessToken) },
      body: '{"title":"x"}',
    });
    expect(write.status).toBe(401);
  });

  it('refuses every access token of a family that reuse detection revoked', async () => {
    const t = await testApi({ reuseGrace: 0 });
    const { accessToken, cookie } = await t.login();
    const rotated = await t.refresh(cookie);
    const newer = String(((await rotated.json()) as Record<string, unknown>).access_token);
    t.clock.advance(1);
    expect((await t.refresh(cookie)).status).toBe(400); // the replay
    expect((await todos(t, accessToken)).status).toBe(401);
    expect((await todos(t, newer)).status).toBe(401);
  });

  it('refuses an access token whose family outlived its absolute lifetime', async () => {
    const t = await testApi({ refreshTtl: 100, accessTtl: 300 });
    const { accessToken } = await t.login();
    t.clock.advance(101);
    expect((await todos(t, accessToken)).status).toBe(401);
  });

  it('keeps other sessions of the same user working', async () => {
    const t = await testApi();
    const phone = await t.login();
    const laptop = await t.login();
    await t.send('/auth/logout', { method: 'POST', headers: { Cookie: phone.cookie } });
    expect((await todos(t, laptop.accessToken)).status).toBe(200);
  });
});

describe('concurrent refreshes with one cookie', () => {
  it('rotate once: every answer is the one successor, or a refusal that ended the family', async () => {
    const t = await testApi();
    const { cookie } = await t.login();
    const answers = await Promise.all([t.refresh(cookie), t.refresh(cookie)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const successors = new Set(answers.map(cookieOf));
    expect(successors.size).toBe(1);
    // Only one live chain remains: its token rotates, the original is dead.
    const [successor] = [...successors];
    expect((await t.refresh(successor ?? '')).status).toBe(200);
    t.clock.advance(3);
    expect((await t.refresh(cookie)).status).toBe(400);
  });
});
