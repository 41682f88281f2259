import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockApiConfig } from './config.ts';
import { createNodeMockApi } from './node-app.ts';
import { documentHeaders } from './security-headers.ts';

function builtApp(): string {
  const root = mkdtempSync(join(tmpdir(), 'dist-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'sw.js'), 'self.x = 1;');
  writeFileSync(join(root, 'manifest.webmanifest'), '{}');
  writeFileSync(join(root, 'assets', 'index-abc12345.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-Cy_Ap-H8.js'), 'console.log(2)');
  writeFileSync(join(root, 'assets', 'unhashed.js'), 'console.log(3)');
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'pwa-192x192.png'), 'png');
  writeFileSync(join(tmpdir(), 'secret-outside.txt'), 'secret');
  return root;
}

/** What a browser sends for a navigation. */
const NAVIGATION = { Accept: 'text/html,application/xhtml+xml', 'Sec-Fetch-Mode': 'navigate' };

describe('the built app beside the API', () => {
  const app = createNodeMockApi(mockApiConfig({ pbkdf2Iterations: 1_000 }), { dist: builtApp() });
  const serve = async (path: string, init?: RequestInit): Promise<Response> => (await app).request(path, init);

  it('serves files with their content types and caching rules', async () => {
    const sw = await serve('/sw.js');
    expect(sw.status).toBe(200);
    expect({ 'Content-Type': sw.headers.get('Content-Type'), 'Cache-Control': sw.headers.get('Cache-Control') }).toEqual({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
    const asset = await serve('/assets/index-abc12345.js');
    expect(asset.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect((await serve('/manifest.webmanifest')).headers.get('Content-Type')).toBe('application/manifest+json; charset=utf-8');
  });

  it('lets a hashed asset be cached for a year and has everything else revalidated', async () => {
    const cachingOf = async (path: string, init?: RequestInit): Promise<string | null> =>
      (await serve(path, init)).headers.get('Cache-Control');
    expect(await cachingOf('/assets/index-Cy_Ap-H8.js')).toBe('public, max-age=31536000, immutable');
    for (const path of ['/index.html', '/sw.js', '/manifest.webmanifest', '/favicon.svg', '/pwa-192x192.png', '/assets/unhashed.js']) {
      expect(await cachingOf(path), path).toBe('no-cache');
    }
    expect(await cachingOf('/', { headers: NAVIGATION })).toBe('no-cache');
  });

  it('never lets an answer of the API or of the token endpoints be stored', async () => {
    for (const [path, init] of [
      ['/api/me', undefined],
      ['/auth/refresh', { method: 'POST' }],
      ['/auth/logout', { method: 'POST' }],
    ] as const) {
      expect((await serve(path, init)).headers.get('Cache-Control'), path).toBe('no-store');
    }
  });

  it('falls back to index.html for the SPA’s routes', async () => {
    for (const path of ['/', '/login', '/a/b/c']) {
      const file = await serve(path, { headers: NAVIGATION });
      expect(await file.text()).toContain('<title>app</title>');
      expect(file.headers.get('Cache-Control')).toBe('no-cache');
    }
  });

  it('answers 404 for missing files that have an extension', async () => {
    expect((await serve('/missing.js')).status).toBe(404);
    expect((await serve('/missing.js', { headers: NAVIGATION })).status).toBe(404);
  });

  it.each([
    '/../secret-outside.txt',
    '/%2e%2e/secret-outside.txt',
    '/assets/..%2f..%2fsecret-outside.txt',
    '/..%5csecret-outside.txt',
    '/%00.js',
    '/%E0%A4%A',
  ])('never leaves its folder for %s', async (path) => {
    const file = await serve(path);
    expect(await file.text()).not.toContain('secret');
  });

  it('sends the CSP and the hardening headers with every file', async () => {
    for (const path of ['/', '/sw.js', '/assets/index-abc12345.js', '/missing.js']) {
      const headers = (await serve(path)).headers;
      expect(headers.get('Content-Security-Policy'), path).toContain("script-src 'self'");
      expect(headers.get('X-Content-Type-Options'), path).toBe('nosniff');
    }
  });

  it('sends the document with exactly the headers the service worker gives navigations, and those of the transfer', async () => {
    for (const path of ['/', '/login']) {
      const sent = Object.fromEntries((await serve(path, { headers: NAVIGATION })).headers);
      const { 'cache-control': _caching, 'content-length': _length, 'last-modified': _modified, ...policy } = sent;
      expect(policy, path).toEqual(await documentHeaders());
    }
  });

  it('answers only GET and HEAD, with 405 and Allow', async () => {
    expect((await serve('/sw.js', { method: 'HEAD' })).status).toBe(200);
    const posted = await serve('/', { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('Allow')).toBe('GET, HEAD');
    expect(await posted.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('never answers an API path with the app shell', async () => {
    for (const path of ['/__mock/stats', '/api/nothing', '/auth/nothing']) {
      const response = await serve(path, { headers: NAVIGATION });
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toMatchObject({ error: 'not_found' });
    }
  });
});

describe('the built app with an OpenID Provider trusted', () => {
  const oidc = {
    issuer: 'http://127.0.0.1:4174',
    clientId: 'demo-spa',
    jwksUri: 'http://127.0.0.1:4174/jwks',
    origins: ['http://127.0.0.1:4174'],
  };
  const app = createNodeMockApi(mockApiConfig({ pbkdf2Iterations: 1_000, oidc }), { dist: builtApp() });
  const policyOf = async (path: string, init?: RequestInit): Promise<string> =>
    (await (await app).request(path, init)).headers.get('Content-Security-Policy') ?? '';

  it("lets the service worker (its script's CSP) reach the provider, and nothing else", async () => {
    expect(await policyOf('/sw.js')).toContain("connect-src 'self' http://127.0.0.1:4174");
    expect(await policyOf('/sw.js')).toContain("script-src 'self'");
    for (const path of ['/', '/assets/index-abc12345.js', '/api/me']) {
      expect(await policyOf(path, { headers: NAVIGATION }), path).toContain("connect-src 'self';");
    }
  });

  it('still sends the document exactly the headers the service worker gives navigations', async () => {
    const sent = Object.fromEntries((await (await app).request('/', { headers: NAVIGATION })).headers);
    const { 'cache-control': _caching, 'content-length': _length, 'last-modified': _modified, ...policy } = sent;
    expect(policy).toEqual(await documentHeaders());
  });

  it('sends a callback that no worker answered to the sign-in page, with nothing of the code in the next address', async () => {
    const response = await (
      await app
    ).request('/auth/callback?code=abc&state=xyz&iss=http%3A%2F%2F127.0.0.1%3A4174', {
      headers: { ...NAVIGATION, 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/login?signInError=state_mismatch#');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
  });
});
