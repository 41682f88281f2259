import { describe, expect, it } from 'vitest';
import { createMatcher, navigationDenylist, parseUrlRule } from './url-rules.ts';

const ORIGIN = 'http://localhost:4173';
const rules = ['/api/', 'https://api.example.com/v1/', 'https://api.example.com/users'].map((value, index) =>
  parseUrlRule(value, ORIGIN, `allowlist[${index}]`),
);
const allowed = createMatcher(rules);
const check = (url: string): boolean => allowed(new URL(url));

describe('createMatcher', () => {
  it('allows the exact origin under the prefix', () => {
    expect(check('http://localhost:4173/api/users')).toBe(true);
    expect(check('http://localhost:4173/api/todos?x=1#y')).toBe(true);
    expect(check('https://api.example.com/v1/things')).toBe(true);
  });

  it('matches an exact path only as itself (query aside)', () => {
    expect(check('https://api.example.com/users')).toBe(true);
    expect(check('https://api.example.com/users?page=2')).toBe(true);
    expect(check('https://api.example.com/users/1')).toBe(false);
    expect(check('https://api.example.com/users-admin')).toBe(false);
  });

  it('allows uppercase hosts, which the URL parser lower-cases', () => {
    expect(check('http://LOCALHOST:4173/api/users')).toBe(true);
  });

  it.each([
    ['a sibling path that only shares the prefix text', 'http://localhost:4173/api-evil/users'],
    ['the prefix without its slash', 'http://localhost:4173/api'],
    ['dot segments out of the prefix', 'http://localhost:4173/api/../auth/refresh'],
    ['encoded dot segments out of the prefix', 'http://localhost:4173/api/%2e%2e/auth/refresh'],
    ['an encoded slash', 'http://localhost:4173/api/..%2Fauth/refresh'],
    ['an encoded slash in lower case', 'http://localhost:4173/api/..%2fauth/refresh'],
    ['an encoded backslash', 'http://localhost:4173/api/..%5Cauth/refresh'],
    ['a backslash dot segment', 'http://localhost:4173/api\\..\\auth/refresh'],
    ['a host that extends the allowed one', 'http://localhost.evil.example:4173/api/users'],
    ['userinfo that looks like the host', 'http://localhost:4173@evil.example/api/users'],
    ['userinfo without a port', 'http://localhost@evil.example/api/users'],
    ['another port', 'http://localhost:4174/api/users'],
    ['the default port', 'http://localhost/api/users'],
    ['another scheme', 'https://localhost:4173/api/users'],
    ['a subdomain of an allowed origin', 'https://evil.api.example.com/v1/things'],
    ['a suffix attack on an allowed origin', 'https://api.example.com.evil.net/v1/things'],
    ['another host by IP for localhost', 'http://127.0.0.1:4173/api/users'],
    ['a different prefix on an allowed origin', 'https://api.example.com/api/users'],
    ['the auth endpoints', 'http://localhost:4173/auth/refresh'],
    ['an exact path with a trailing slash', 'https://api.example.com/users/'],
  ])('refuses %s', (_, url) => {
    expect(check(url)).toBe(false);
  });
});

describe('parseUrlRule', () => {
  it('resolves a path against the origin and reads a trailing slash as a prefix', () => {
    expect(parseUrlRule('/api/', ORIGIN, 'x')).toEqual({ origin: ORIGIN, path: '/api/', prefix: true });
    expect(parseUrlRule('https://api.example.com/users', ORIGIN, 'x')).toEqual({
      origin: 'https://api.example.com',
      path: '/users',
      prefix: false,
    });
  });

  it.each([
    ['an empty string', ''],
    ['a relative path', 'api/'],
    ['a protocol-relative URL', '//api.example.com/v1/'],
    ['another scheme', 'ftp://api.example.com/v1/'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['credentials', 'https://user:pw@api.example.com/v1/'],
    ['a query', '/api/?x=1'],
    ['a fragment', '/api/#x'],
    ['dot segments', '/api/../auth/'],
    ['an upper-case host (not normal form)', 'https://API.example.com/v1/'],
    ['an origin without a path', 'https://api.example.com'],
    ['an encoded slash', '/api%2Fv1/'],
    ['a non-string', 42],
  ])('refuses %s with a TypeError naming the option', (_, value) => {
    expect(() => parseUrlRule(value, ORIGIN, 'allowlist[3]')).toThrow(TypeError);
    expect(() => parseUrlRule(value, ORIGIN, 'allowlist[3]')).toThrow(/^allowlist\[3\]: /);
  });
});

describe('navigationDenylist', () => {
  it("turns this origin's rules into patterns and leaves other origins out", () => {
    const patterns = navigationDenylist(rules, ORIGIN);
    expect(patterns).toHaveLength(1);
    const exact = navigationDenylist([parseUrlRule('/users', ORIGIN, 'x')], ORIGIN);
    const denied = (path: string, list: RegExp[]): boolean => list.some((pattern) => pattern.test(path));
    expect(denied('/api/users', patterns)).toBe(true);
    expect(denied('/apix', patterns)).toBe(false);
    expect(denied('/users', exact)).toBe(true);
    expect(denied('/users?x=1', exact)).toBe(true);
    expect(denied('/users/1', exact)).toBe(false);
    expect(denied('/usersx', exact)).toBe(false);
  });
});
