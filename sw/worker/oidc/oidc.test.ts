import { describe, expect, it } from 'vitest';
import { createMemoryAdapterStore } from '../adapter-store.ts';
import { resolveOptions } from '../options.ts';
import { ManualClock } from '../test-fakes.ts';
import { TokenBroker } from '../token-broker.ts';
import { oidc } from './oidc.ts';
import type { OidcOptions } from './oidc-options.ts';

const ORIGIN = 'https://app.example';
const valid: OidcOptions = { issuer: 'https://id.example.com', clientId: 'demo-spa' };

describe('oidc options', () => {
  it('takes an https issuer, or http on a loopback host, with sensible defaults', () => {
    const adapter = oidc(valid);
    expect(adapter).toMatchObject({ kind: 'redirect', name: 'oidc', dpop: true, redirectUri: '/auth/callback' });
    expect(adapter.probeUrl).toBe('https://id.example.com/.well-known/openid-configuration');
    for (const issuer of ['http://localhost:3000', 'http://127.0.0.1:9000/oidc', 'http://[::1]:8080'])
      expect(() => oidc({ ...valid, issuer })).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an http issuer that is not loopback', { issuer: 'http://id.example.com' }, /issuer "http:\/\/id\.example\.com" must be https/],
    ['an issuer that is no URL', { issuer: 'id.example.com' }, /issuer must be an absolute http\(s\) URL/],
    ['an issuer with a query', { issuer: 'https://id.example.com/?tenant=1' }, /issuer .* must have no query/],
    ['no clientId', { clientId: '' }, /clientId must be a non-empty string/],
    ['a scope without openid', { scope: 'profile offline_access' }, /scope must be .* that includes "openid"/],
    ['a resource with a fragment', { resource: 'https://api.example.com/#x' }, /resource .* must not have a fragment/],
    ['an errorRedirect on another origin', { errorRedirect: 'https://evil.example/login' }, /errorRedirect must be a path/],
    ['a protocol-relative redirectUri', { redirectUri: '//evil.example/cb' }, /redirectUri must be a path/],
    ['a user mapping that is no function', { user: 'sub' }, /user must be a function/],
    ['a misspelt option', { clientID: 'x' }, /unknown option "clientID"/],
  ])('throws a TypeError for %s', (_name, change, message) => {
    // Misconfigured on purpose: the options a JavaScript caller could pass.
    const options = { ...valid, ...change };
    expect(() => oidc(options)).toThrow(TypeError);
    expect(() => oidc(options)).toThrow(message);
  });

  it("refuses, when the worker starts, a redirect URI that is not on the worker's origin", () => {
    const adapter = oidc({ ...valid, redirectUri: 'https://elsewhere.example/auth/callback' });
    expect(() => resolveOptions({ adapter }, ORIGIN)).toThrow(
      /adapter\.redirectUri .* must be on the worker's origin \(https:\/\/app\.example\)/,
    );
  });

  it('refuses pages a fetch of the redirect URI by default, and needs no token endpoints in brokerOnly', () => {
    const config = resolveOptions({ adapter: oidc(valid) }, ORIGIN);
    expect(config.isBrokerOnly(new URL(`${ORIGIN}/auth/callback`))).toBe(true);
    expect(config.isBrokerOnly(new URL(`${ORIGIN}/auth/login`))).toBe(false);
    expect(config.endpoints).toEqual({ login: 'https://id.example.com/', refresh: 'https://id.example.com/', logout: undefined });
    expect(config.dpop).toBe(true);
    expect(resolveOptions({ adapter: oidc({ ...valid, dpop: false }) }, ORIGIN).dpop).toBe(false);
  });

  it('lets an allowlist entry name the resource its requests need; the most specific entry decides', () => {
    const config = resolveOptions(
      {
        adapter: oidc({ ...valid, resource: `${ORIGIN}/api/` }),
        allowlist: ['/api/', { url: '/api/reports/', resource: 'https://reports.example/' }, { url: '/me', resource: `${ORIGIN}/api/` }],
      },
      ORIGIN,
    );
    expect(config.resources).toEqual(['https://reports.example/']);
    expect(config.resourceOf(new URL(`${ORIGIN}/api/reports/1`))).toBe('https://reports.example/');
    expect(config.resourceOf(new URL(`${ORIGIN}/api/users`))).toBe('');
    expect(config.resourceOf(new URL(`${ORIGIN}/me`))).toBe(''); // the adapter's own resource: the session's token
    expect(config.isAllowed(new URL(`${ORIGIN}/api/reports/1`))).toBe(true);
  });

  it('refuses a resource entry with an adapter that has one token, or a resource that is no absolute URI', () => {
    expect(() => resolveOptions({ allowlist: [{ url: '/api/', resource: 'https://api.example/' }] }, ORIGIN)).toThrow(
      /allowlist\[0\]\.resource needs an adapter that asks for a token per resource/,
    );
    for (const resource of ['api', 'https://api.example/#x', 42]) {
      expect(() => resolveOptions({ adapter: oidc(valid), allowlist: [{ url: '/api/', resource } as never] }, ORIGIN)).toThrow(TypeError);
    }
  });

  it('asks for consent only with offline_access, unless told otherwise', async () => {
    const start = async (options: Partial<OidcOptions>): Promise<string | null> => {
      const transport = async (request: Request): Promise<Response> =>
        request.url.endsWith('openid-configuration')
          ? Response.json({
              issuer: 'https://id.example.com',
              authorization_endpoint: 'https://id.example.com/auth',
              token_endpoint: 'https://id.example.com/token',
              jwks_uri: 'https://id.example.com/jwks',
            })
          : new Response(null, { status: 404 });
      const config = resolveOptions({ adapter: oidc({ ...valid, ...options }), dpop: false }, ORIGIN);
      const broker = new TokenBroker(config, {
        transport,
        clock: new ManualClock(),
        store: { load: async () => undefined, save: async () => undefined, clear: async () => undefined },
        adapterStore: createMemoryAdapterStore(),
        log: () => undefined,
      });
      return new URL(await broker.authorize()).searchParams.get('prompt');
    };
    expect(await start({})).toBe('consent');
    expect(await start({ scope: 'openid profile' })).toBeNull();
    expect(await start({ prompt: false })).toBeNull();
    expect(await start({ prompt: 'login' })).toBe('login');
  });
});
