import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventStream } from '../mock-api/test-support.ts';
import { startOidcStack, type OidcStack } from './stack.ts';
import { testClient, type TestSession } from './test-client.ts';

/** A stand-in for the built app: the stack serves whatever dist it is given. */
function builtApp(): string {
  const dist = mkdtempSync(join(tmpdir(), 'dist-oidc-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dist, 'sw.js'), 'self.x = 1;');
  return dist;
}

let stack: OidcStack;

beforeAll(async () => {
  stack = await startOidcStack({ distDir: builtApp(), api: { pbkdf2Iterations: 1_000 } });
}, 20_000);

afterAll(() => stack.close());

/** A request to the stack's API over HTTP with the session's token and a DPoP proof. */
function call(session: TestSession, method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return oauth.protectedResourceRequest(session.tokens.access_token, method, new URL(path, stack.appOrigin), new Headers(headers), null, {
    DPoP: session.dpop,
    [oauth.allowInsecureRequests]: true,
  });
}

describe('startOidcStack', () => {
  it('runs the provider and the app on two origins, each on a port chosen at run time', () => {
    expect(stack.appOrigin).toMatch(/^http:\/\/localhost:\d+$/);
    expect(stack.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.clientId).toBe('demo-spa');
  });

  it('lets the worker script reach the provider (CSP connect-src), and the page nowhere else', async () => {
    const worker = await fetch(`${stack.appOrigin}/sw.js`);
    expect(worker.headers.get('Content-Security-Policy')).toContain(`connect-src 'self' ${stack.issuer};`);
    const page = await fetch(`${stack.appOrigin}/`, { headers: { Accept: 'text/html' } });
    expect(page.headers.get('Content-Security-Policy')).toContain("connect-src 'self';");
  });

  it('labels the sign-in fields of the provider’s page Username and Password', async () => {
    const challenge = await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier());
    const query = new URLSearchParams({
      client_id: 'demo-spa',
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const start = await fetch(`${stack.issuer}/auth?${query.toString()}`, { redirect: 'manual' });
    const page = await fetch(new URL(start.headers.get('Location') ?? '', stack.issuer), {
      headers: {
        Cookie: start.headers
          .getSetCookie()
          .map((cookie) => cookie.split(';')[0])
          .join('; '),
      },
    });
    const html = await page.text();
    expect(html).toContain('aria-label="Username"');
    expect(html).toContain('aria-label="Password"');
  });

  it("serves the API over HTTP to the provider's DPoP-bound token, with live data over the event stream only", async () => {
    const rp = await testClient(stack.issuer, stack.clientId, stack.appOrigin);
    const session = await rp.signIn({ username: 'test', password: 'test' }, [`${stack.appOrigin}/api/`]);
    const me = await call(session, 'GET', '/api/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: 1, username: 'test' });

    const events = await call(session, 'GET', '/api/events');
    expect(events.headers.get('Content-Type')).toContain('text/event-stream');
    const stream = readEventStream(events);
    expect(await stream.next()).toEqual({ retry: '1000' });
    expect(await stream.next()).toMatchObject({ event: 'ready' });
    await stream.cancel();

    const ticket = await call(session, 'POST', '/api/ws-ticket', { Origin: stack.appOrigin });
    expect(ticket.status).toBe(501);
    expect(await ticket.json()).toMatchObject({ error: 'not_supported' });
  });

  it('with an external provider starts none, and trusts the one it discovers', async () => {
    const beside = await startOidcStack({
      distDir: builtApp(),
      api: { pbkdf2Iterations: 1_000 },
      external: { issuer: stack.issuer, clientId: 'demo-spa' },
    });
    try {
      expect(beside.provider).toBeUndefined();
      expect(beside.services.config.oidc).toMatchObject({ issuer: stack.issuer, jwksUri: `${stack.issuer}/jwks` });
      const worker = await fetch(`${beside.appOrigin}/sw.js`);
      expect(worker.headers.get('Content-Security-Policy')).toContain(`connect-src 'self' ${stack.issuer};`);
    } finally {
      await beside.close();
    }
  });
});
