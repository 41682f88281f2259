import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { jsonApi } from './json-api.ts';
import { rejectionOf } from '../test-fakes.ts';

// Answers as the "JWT with refresh tokens" tutorial sends them: no expires_in, no user wrapper,
// `400 {message}` for everything refused, a plain 401 from the API.
const key = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');
const jwt = (lifetime: number, iat = 1_700_000_000): Promise<string> =>
  new SignJWT({ id: 1 })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(key);
const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers } });

const tutorial = jsonApi({
  endpoints: {
    login: 'https://api.test/users/authenticate',
    refresh: 'https://api.test/users/refresh-token',
    logout: 'https://api.test/users/revoke-token',
  },
  tokenField: 'jwtToken',
  logoutWithAccessToken: true,
});

describe('jsonApi with the tutorial shape', () => {
  it('reads the lifetime from the JWT (exp - iat) and the user from the rest of the answer', async () => {
    const jwtToken = await jwt(900);
    const grant = await tutorial.readGrant(json({ id: 1, firstName: 'Test', lastName: 'User', username: 'test', jwtToken }), 'login');
    expect(grant).toEqual({
      accessToken: jwtToken,
      expiresIn: 900,
      user: { id: 1, firstName: 'Test', lastName: 'User', username: 'test' },
    });
  });

  it('keeps anything named like a token or a secret out of the user (it reaches pages and IndexedDB)', async () => {
    const jwtToken = await jwt(60);
    const grant = await tutorial.readGrant(
      json({ id: 'u-1', username: 'ada', jwtToken, refreshToken: 'r', clientSecret: 's', passwordHash: 'h' }),
      'refresh',
    );
    expect(grant.user).toEqual({ id: 'u-1', username: 'ada' });
  });

  it('prefers expires_in when the answer has one, and a fixed lifetime when configured', async () => {
    const jwtToken = await jwt(900);
    expect((await tutorial.readGrant(json({ jwtToken, expires_in: 120 }), 'login')).expiresIn).toBe(120);
    const fixed = jsonApi({ endpoints: tutorial.endpoints, tokenField: 'jwtToken', expiresIn: 45 });
    expect((await fixed.readGrant(json({ jwtToken }), 'login')).expiresIn).toBe(45);
    const named = jsonApi({ endpoints: tutorial.endpoints, tokenField: 'token', expiresIn: 'ttl', user: 'profile' });
    expect(await named.readGrant(json({ token: 'opaque', ttl: 30, profile: { id: 3 } }), 'login')).toEqual({
      accessToken: 'opaque',
      expiresIn: 30,
      user: { id: 3 },
    });
    const mapped = jsonApi({ endpoints: tutorial.endpoints, expiresIn: 60, user: (body) => ({ id: body.sub }) });
    expect((await mapped.readGrant(json({ access_token: 'opaque', sub: 'x' }), 'login')).user).toEqual({ id: 'x' });
  });

  it('says what to configure when the lifetime cannot be known', async () => {
    const error = await rejectionOf(tutorial.readGrant(json({ jwtToken: 'opaque-not-a-jwt' }), 'login'));
    expect(error).toMatchObject({ code: 'bad_response', message: expect.stringContaining('expiresIn') });
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(key);
    expect((await rejectionOf(tutorial.readGrant(json({ jwtToken: noExp }), 'login'))).message).toContain('"exp"');
  });

  it('names the missing token field', async () => {
    const error = await rejectionOf(tutorial.readGrant(json({ id: 1, token: 'x' }), 'login'));
    expect(error).toMatchObject({ code: 'bad_response', message: 'login: "jwtToken" is missing or not a non-empty string.' });
  });

  it.each([
    ['login', json({ message: 'Username or password is incorrect' }, 400), 'invalid_credentials'],
    ['login', json({ message: 'Unauthorized' }, 401), 'invalid_credentials'],
    ['login', json({ message: 'Too many' }, 429), 'rate_limited'],
    ['login', json({ message: 'boom' }, 500), 'auth_unavailable'],
    ['refresh', json({ message: 'Invalid token' }, 400), 'invalid_grant'],
    ['refresh', json({ message: 'Unauthorized' }, 401), 'invalid_grant'],
    ['refresh', json({ message: 'boom' }, 503), 'auth_unavailable'],
    ['refresh', json({ message: 'Not Found' }, 404), 'bad_response'],
  ] as const)('reads a failed %s answer (%#) as %s', async (step, response, code) => {
    expect((await rejectionOf(tutorial.readGrant(response, step))).code).toBe(code);
  });

  it('sees a plain 401 as a refused token, but not a challenge naming another error', () => {
    expect(tutorial.tokenRejected(json({ message: 'Unauthorized' }, 401))).toBe(true);
    expect(tutorial.tokenRejected(json({}, 401, { 'WWW-Authenticate': 'Bearer' }))).toBe(true);
    expect(tutorial.tokenRejected(json({}, 401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }))).toBe(true);
    expect(tutorial.tokenRejected(json({}, 401, { 'WWW-Authenticate': 'Bearer error="invalid_request"' }))).toBe(false);
    expect(tutorial.tokenRejected(json({}, 403))).toBe(false);
  });

  it('builds the calls: credentials as JSON, revoke with the access token', () => {
    expect(tutorial.login({ username: 'test', password: 'test' })).toEqual({ json: { username: 'test', password: 'test' } });
    expect(tutorial.logout()).toEqual({ withAccessToken: true });
    const custom = jsonApi({
      endpoints: tutorial.endpoints,
      loginBody: ({ username, password }) => ({ email: username, pass: password }),
      logoutBody: () => ({ all: true }),
    });
    expect(custom.login({ username: 'a@b', password: 'x' })).toEqual({ json: { email: 'a@b', pass: 'x' } });
    expect(custom.logout()).toEqual({ withAccessToken: false, json: { all: true } });
  });

  it('reads failures by the RFCs when told to', async () => {
    const strict = jsonApi({ endpoints: tutorial.endpoints, errors: 'rfc6749' });
    expect((await rejectionOf(strict.readGrant(json({ message: 'Invalid token' }, 400), 'refresh'))).code).toBe('bad_response');
    expect((await rejectionOf(strict.readGrant(json({ error: 'invalid_grant' }, 400), 'refresh'))).code).toBe('invalid_grant');
    expect(strict.tokenRejected(json({}, 401))).toBe(false);
  });
});
