import { describe, expect, it } from 'vitest';
import { createAllowlist } from './allowlist';

const allowed = createAllowlist([
  { origin: 'http://localhost:4173', pathPrefix: '/api/' },
  { origin: 'https://api.example.com', pathPrefix: '/v1/' },
]);
const check = (url: string): boolean => allowed(new URL(url));

describe('createAllowlist', () => {
  it('allows the exact origin under the prefix', () => {
    expect(check('http://localhost:4173/api/users')).toBe(true);
    expect(check('http://localhost:4173/api/todos?x=1#y')).toBe(true);
    expect(check('https://api.example.com/v1/things')).toBe(true);
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
  ])('refuses %s', (_, url) => {
    expect(check(url)).toBe(false);
  });
});
