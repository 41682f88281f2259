import { describe, expect, it } from 'vitest';
import { cookieSession } from './cookie-session.ts';
import { rejectionOf } from '../test-fakes.ts';

// Answers as the mock API (this repository's contract) sends them.
const USER = { id: 1, username: 'test', firstName: 'Test', lastName: 'User' };
const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers } });
const GRANT = { access_token: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', token_type: 'Bearer', expires_in: 300, user: USER };

const adapter = cookieSession();

describe('cookieSession', () => {
  it('names its endpoints on the worker origin, and lets each be moved', () => {
    expect(adapter.endpoints).toEqual({ login: '/auth/login', refresh: '/auth/refresh', logout: '/auth/logout' });
    expect(cookieSession({ endpoints: { login: 'https://id.example.com/login' } }).endpoints.login).toBe('https://id.example.com/login');
  });

  it('posts the credentials as JSON, with remember only when the page gave it', () => {
    expect(adapter.login({ username: 'test', password: 'pw' })).toEqual({ json: { username: 'test', password: 'pw' } });
    expect(adapter.login({ username: 'test', password: 'pw', remember: false })).toEqual({
      json: { username: 'test', password: 'pw', remember: false },
    });
    expect(adapter.refresh()).toEqual({});
  });

  it('reads a grant', async () => {
    await expect(adapter.readGrant(json(GRANT), 'login')).resolves.toEqual({
      accessToken: GRANT.access_token,
      expiresIn: 300,
      user: USER,
      tokenType: 'Bearer',
    });
    await expect(adapter.readGrant(json({ ...GRANT, token_type: 'DPoP' }), 'login')).resolves.toMatchObject({ tokenType: 'DPoP' });
  });

  it.each([
    ['no access_token', { ...GRANT, access_token: undefined }, /"access_token"/],
    ['a numeric expires_in as a string', { ...GRANT, expires_in: '300' }, /"expires_in"/],
    ['a non-positive lifetime', { ...GRANT, expires_in: 0 }, /"expires_in"/],
    ['a token type other than Bearer or DPoP', { ...GRANT, token_type: 'mac' }, /token_type "mac"/],
  ])('refuses a grant with %s as bad_response naming the field', async (_, body, reason) => {
    const error = await rejectionOf(adapter.readGrant(json(body), 'refresh'));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain(GRANT.access_token);
  });

  it('refuses an HTML answer as bad_response', async () => {
    const error = await rejectionOf(
      adapter.readGrant(new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html' } }), 'login'),
    );
    expect(error).toMatchObject({ code: 'bad_response', message: expect.stringContaining('text/html') });
  });

  it.each([
    ['login', json({ error: 'invalid_credentials', message: 'no' }, 401), 'invalid_credentials'],
    ['login', json({ error: 'rate_limited', message: 'slow' }, 429, { 'Retry-After': '42' }), 'rate_limited'],
    ['login', json({ error: 'invalid_request', message: 'bad' }, 400), 'bad_request'],
    ['login', json({ error: 'server_error', message: 'down' }, 503), 'auth_unavailable'],
    ['refresh', json({ error: 'invalid_grant', message: 'gone' }, 400), 'invalid_grant'],
    ['refresh', json({ error: 'invalid_request', message: 'odd' }, 400), 'bad_response'],
    ['refresh', json({ error: 'server_error', message: 'down' }, 502), 'auth_unavailable'],
    ['refresh', new Response('Not found', { status: 404 }), 'bad_response'],
  ] as const)('reads a failed %s answer (%#) as %s', async (step, response, code) => {
    const error = await rejectionOf(adapter.readGrant(response, step));
    expect(error.code).toBe(code);
    if (code === 'rate_limited') expect(error.retryAfter).toBe(42);
  });

  it('sees a refused token only in 401 + Bearer error="invalid_token" (RFC 6750 3.1)', () => {
    expect(adapter.tokenRejected(json({}, 401, { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' }))).toBe(true);
    expect(adapter.tokenRejected(json({}, 401, { 'WWW-Authenticate': 'Bearer realm="api"' }))).toBe(false);
    expect(adapter.tokenRejected(json({}, 401))).toBe(false);
    expect(adapter.tokenRejected(json({}, 403, { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' }))).toBe(false);
  });
});
