import { describe, expect, it } from 'vitest';
import { cookieSession } from './adapters/cookie-session.ts';
import { jsonApi } from './adapters/json-api.ts';
import { denylistFor, resolveOptions, type TokenBrokerOptions } from './options.ts';

const ORIGIN = 'https://app.example';
const API = 'https://api.example.com';
const tutorial = jsonApi({
  endpoints: { login: `${API}/users/authenticate`, refresh: `${API}/users/refresh-token`, logout: `${API}/users/revoke-token` },
  tokenField: 'jwtToken',
});

describe('resolveOptions', () => {
  it('defaults to the demo contract: cookieSession on this origin, /api/ allowlisted, the endpoints refused', () => {
    const config = resolveOptions({}, ORIGIN);
    expect(config.endpoints).toEqual({ login: `${ORIGIN}/auth/login`, refresh: `${ORIGIN}/auth/refresh`, logout: `${ORIGIN}/auth/logout` });
    expect(config.isAllowed(new URL(`${ORIGIN}/api/users`))).toBe(true);
    expect(config.isBrokerOnly(new URL(`${ORIGIN}/auth/refresh`))).toBe(true);
    expect(config.isBrokerOnly(new URL(`${ORIGIN}/auth/other`))).toBe(false);
    expect(config).toMatchObject({ refreshSkewMs: 30_000, authTimeoutMs: 10_000, retryAfterSeconds: 5 });
  });

  it('refuses only the exact token endpoints when they sit beside the API', () => {
    const config = resolveOptions({ adapter: tutorial, allowlist: [`${API}/users`, `${API}/users/`] }, ORIGIN);
    expect(config.isBrokerOnly(new URL(`${API}/users/refresh-token`))).toBe(true);
    expect(config.isBrokerOnly(new URL(`${API}/users/1`))).toBe(false);
    expect(config.isAllowed(new URL(`${API}/users/1`))).toBe(true);
  });

  it("derives the navigation denylist from this origin's API and token URLs", () => {
    const denylist = denylistFor(resolveOptions({ brokerOnly: ['/auth/'] }, ORIGIN));
    expect(denylist.map(String)).toEqual([String(/^\/auth\//), String(/^\/api\//)]);
  });

  it('queues only the listed writes, on exact paths or under prefixes', () => {
    const config = resolveOptions({ offlineQueue: ['POST /api/todos', 'PUT /api/todos/'] }, ORIGIN);
    expect(config.isQueueable('POST', new URL(`${ORIGIN}/api/todos`))).toBe(true);
    expect(config.isQueueable('POST', new URL(`${ORIGIN}/api/todos/1`))).toBe(false);
    expect(config.isQueueable('PUT', new URL(`${ORIGIN}/api/todos/1`))).toBe(true);
    expect(config.isQueueable('GET', new URL(`${ORIGIN}/api/todos`))).toBe(false);
    expect(resolveOptions({}, ORIGIN).isQueueable('POST', new URL(`${ORIGIN}/api/todos`))).toBe(false);
  });

  it.each<[string, TokenBrokerOptions, RegExp]>([
    ['a queued read', { offlineQueue: ['GET /api/todos'] }, /^offlineQueue\[0\]: "GET" is not one of POST, PUT, PATCH, DELETE/],
    [
      'a queued URL without a method',
      { offlineQueue: ['/api/todos'] },
      /^offlineQueue\[0\]: "\/api\/todos" must be a method, one space and a URL/,
    ],
    [
      'a queued URL outside the allowlist',
      { offlineQueue: ['POST /other/todos'] },
      /^offlineQueue\[0\]: .*\/other\/todos is not covered by the allowlist/,
    ],
    ['a queued URL in a wrong form', { offlineQueue: ['POST /api/todos?x=1'] }, /^offlineQueue\[0\]: /],
    ['an offlineQueue that is not an array', { offlineQueue: 'POST /api/todos' as unknown as string[] }, /^offlineQueue must be an array/],
    ['a misspelt option', { allowList: ['/api/'] } as TokenBrokerOptions, /unknown option "allowList" \(did you mean "allowlist"\?\)/],
    ['an empty allowlist', { allowlist: [] }, /^allowlist: at least one/],
    ['an allowlist that is not an array', { allowlist: '/api/' as unknown as string[] }, /^allowlist must be an array/],
    ['an origin without a path', { allowlist: [API] }, /^allowlist\[0\]: .* not in normal form; write "https:\/\/api\.example\.com\/"/],
    ['a wildcard', { allowlist: ['https://*.example.com/'] }, /^allowlist\[0\]: /],
    ['a relative path', { allowlist: ['api/'] }, /^allowlist\[0\]: /],
    ['an endpoint that is not a URL', { adapter: cookieSession({ endpoints: { login: 'login' } }) }, /^adapter\.endpoints\.login: /],
    [
      'an endpoint left unprotected',
      { adapter: tutorial, brokerOnly: [`${API}/users/authenticate`] },
      /^brokerOnly must cover adapter\.endpoints\.refresh \(https:\/\/api\.example\.com\/users\/refresh-token\)/,
    ],
    [
      'an adapter missing a reader',
      { adapter: { ...cookieSession(), readGrant: undefined } as unknown as TokenBrokerOptions['adapter'] },
      /^adapter\.readGrant must be a function/,
    ],
    ['a negative timeout', { authTimeoutMs: -1 }, /^authTimeoutMs must be a positive number/],
    ['a timeout that is not a number', { refreshSkewMs: Number.NaN }, /^refreshSkewMs must be a positive number/],
    [
      'a parseUser that is not a function',
      { parseUser: 'yes' as unknown as TokenBrokerOptions['parseUser'] },
      /^parseUser must be a function/,
    ],
  ])('throws a TypeError naming %s', (_, options, message) => {
    expect(() => resolveOptions(options, ORIGIN)).toThrow(TypeError);
    expect(() => resolveOptions(options, ORIGIN)).toThrow(message);
  });

  it('needs an origin for paths', () => {
    expect(() => resolveOptions({}, undefined as unknown as string)).toThrow(/^origin must be an http\(s\) origin/);
    expect(() => resolveOptions({}, 'https://app.example/path')).toThrow(/^origin must be/);
  });
});
