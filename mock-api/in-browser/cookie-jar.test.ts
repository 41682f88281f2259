import { serialize } from 'hono/utils/cookie';
import { describe, expect, it } from 'vitest';
import { CookieJar, type CookieStore, type StoredCookie } from './cookie-jar.ts';

const START = Date.UTC(2026, 0, 1);

/** A store that keeps a structured clone, as IndexedDB does. */
function memoryStore(initial?: unknown): CookieStore & { value: unknown } {
  const store = {
    value: initial,
    load: async () => structuredClone(store.value),
    save: async (cookies: StoredCookie[]) => {
      store.value = structuredClone(cookies);
    },
  };
  return store;
}

function jarWithClock(store = memoryStore()) {
  const clock = { now: START };
  return { jar: new CookieJar(store, () => clock.now), clock, store };
}

const url = (path: string, origin = 'http://localhost:4173'): URL => new URL(path, origin);
const REFRESH = serialize('refresh_token', 'abc', { path: '/auth', httpOnly: true, sameSite: 'Strict', maxAge: 60 });

describe('CookieJar', () => {
  it('sends a cookie back to its own path and the paths below it, nowhere else', async () => {
    const { jar } = jarWithClock();
    await jar.receive(url('/auth/login'), [REFRESH]);
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('refresh_token=abc');
    expect(await jar.cookieHeader(url('/auth'))).toBe('refresh_token=abc');
    for (const path of ['/', '/api/users', '/authx', '/au']) expect(await jar.cookieHeader(url(path))).toBeUndefined();
  });

  it('gives a cookie without a Path the directory of the request path', async () => {
    const { jar } = jarWithClock();
    await jar.receive(url('/auth/login'), ['a=1']);
    await jar.receive(url('/top'), ['b=2']);
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('a=1; b=2');
    expect(await jar.cookieHeader(url('/api/me'))).toBe('b=2');
  });

  it('replaces a cookie of the same name and path', async () => {
    const { jar } = jarWithClock();
    await jar.receive(url('/auth/login'), [REFRESH]);
    await jar.receive(url('/auth/refresh'), [serialize('refresh_token', 'def', { path: '/auth', maxAge: 60 })]);
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('refresh_token=def');
  });

  it('deletes a cookie set again with Max-Age=0, as hono’s deleteCookie does, or with an Expires in the past', async () => {
    const { jar, store } = jarWithClock();
    await jar.receive(url('/auth/login'), [REFRESH, 'other=1; Path=/auth']);
    await jar.receive(url('/auth/logout'), [serialize('refresh_token', '', { path: '/auth', maxAge: 0 })]);
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('other=1');
    await jar.receive(url('/auth/logout'), [`other=; Path=/auth; Expires=${new Date(START - 1000).toUTCString()}`]);
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBeUndefined();
    expect(store.value).toEqual([]);
  });

  it('lets a cookie expire after its Max-Age, which wins over Expires', async () => {
    const { jar, clock } = jarWithClock();
    const farFuture = new Date(START + 86_400_000).toUTCString();
    await jar.receive(url('/auth/login'), [`refresh_token=abc; Path=/auth; Expires=${farFuture}; Max-Age=60`]);
    clock.now += 59_000;
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('refresh_token=abc');
    clock.now += 1_000;
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBeUndefined();
  });

  it('honours Expires when there is no Max-Age', async () => {
    const { jar, clock } = jarWithClock();
    await jar.receive(url('/auth/login'), [`a=1; Path=/; Expires=${new Date(START + 10_000).toUTCString()}`]);
    expect(await jar.cookieHeader(url('/'))).toBe('a=1');
    clock.now += 10_000;
    expect(await jar.cookieHeader(url('/'))).toBeUndefined();
  });

  it('keeps a session cookie until it is replaced or deleted', async () => {
    const { jar, clock } = jarWithClock();
    await jar.receive(url('/auth/login'), [serialize('refresh_token', 'abc', { path: '/auth', httpOnly: true })]);
    clock.now += 365 * 86_400_000;
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('refresh_token=abc');
  });

  it('sends a Secure cookie only over https', async () => {
    const { jar } = jarWithClock();
    await jar.receive(url('/auth/login', 'https://app.example'), [serialize('refresh_token', 'abc', { path: '/auth', secure: true })]);
    expect(await jar.cookieHeader(url('/auth/refresh', 'https://app.example'))).toBe('refresh_token=abc');
    expect(await jar.cookieHeader(url('/auth/refresh', 'http://app.example'))).toBeUndefined();
  });

  it('sends cookies with longer paths first', async () => {
    const { jar } = jarWithClock();
    await jar.receive(url('/'), ['a=1; Path=/', 'b=2; Path=/auth/refresh', 'c=3; Path=/auth']);
    expect(await jar.cookieHeader(url('/auth/refresh'))).toBe('b=2; c=3; a=1');
  });

  it('gives back a value with characters that need encoding exactly as hono encoded it', async () => {
    const { jar } = jarWithClock();
    const line = serialize('note', 'a b;c=d', { path: '/' });
    await jar.receive(url('/'), [line]);
    expect(await jar.cookieHeader(url('/'))).toBe(line.split(';')[0]);
  });

  it('ignores lines it cannot read or could not send back', async () => {
    const { jar } = jarWithClock();
    await jar.receive(url('/'), ['', 'no-equals-sign', 'bad name=1; Path=/', 'ok=1; Path=/']);
    expect(await jar.cookieHeader(url('/'))).toBe('ok=1');
  });

  it('outlives the worker: a new jar over the same store sends the cookies', async () => {
    const store = memoryStore();
    await jarWithClock(store).jar.receive(url('/auth/login'), [REFRESH]);
    expect(await jarWithClock(store).jar.cookieHeader(url('/auth/refresh'))).toBe('refresh_token=abc');
  });

  it('counts a damaged stored record as no cookies', async () => {
    const { jar } = jarWithClock(memoryStore([{ name: 'a', value: 1, path: '/' }, 'junk']));
    expect(await jar.cookieHeader(url('/'))).toBeUndefined();
    const { jar: other } = jarWithClock(memoryStore({ not: 'an array' }));
    expect(await other.cookieHeader(url('/'))).toBeUndefined();
  });
});
