import { URLPattern } from 'urlpattern-polyfill/urlpattern';
import { describe, expect, it } from 'vitest';
import type { UserRecord } from '../protocol.ts';
import { resolveOptions, type TokenBrokerOptions } from './options.ts';
import type { RouterRule, RouterSource } from './static-routing-api.ts';
import { MAX_ROUTER_RULES, routerLimitProblem, staticRoutes } from './static-routes.ts';
import { ORIGIN, testConfig } from './test-fakes.ts';
import { TokenBroker } from './token-broker.ts';
import { parseUrlRule } from './url-rules.ts';

/** Where the browser's router sends a request: the first rule that matches, else the fetch event (URLPattern as the spec has it). */
function routed(rules: readonly RouterRule[], url: string, mode: RequestMode = 'cors'): RouterSource {
  const rule = rules.find(({ condition }) => {
    if (condition.requestMode !== undefined && condition.requestMode !== mode) return false;
    return condition.urlPattern === undefined || new URLPattern(condition.urlPattern).test(url);
  });
  return rule?.source ?? 'fetch-event';
}

const handles = (values: string[], origin = ORIGIN) => values.map((value, index) => parseUrlRule(value, origin, `workerHandles[${index}]`));

// Node's Request refuses mode 'navigate'; classify reads only url and mode.
const request = (url: string, mode: RequestMode): Request => Object.defineProperty(new Request(url), 'mode', { value: mode });

describe('staticRoutes', () => {
  it('sends the API, the token endpoints, the worker’s own files and navigations to the worker, and the rest to the network', () => {
    const rules = staticRoutes(testConfig(), handles(['/index.html', '/assets/']));
    const exact = (pathname: string) => ({ protocol: 'http', hostname: 'app.test', port: '', pathname, search: '*', hash: '*' });
    expect(rules).toEqual([
      { condition: { urlPattern: exact('/api/*') }, source: 'fetch-event' },
      { condition: { urlPattern: exact('/auth/*') }, source: 'fetch-event' },
      { condition: { urlPattern: exact('/index.html') }, source: 'fetch-event' },
      { condition: { urlPattern: exact('/assets/*') }, source: 'fetch-event' },
      { condition: { requestMode: 'navigate' }, source: 'fetch-event' },
      {
        condition: { urlPattern: { protocol: '*', hostname: '*', port: '*', pathname: '*', search: '*', hash: '*' } },
        source: 'network',
      },
    ]);
    expect(routed(rules, `${ORIGIN}/api/users?page=2#top`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/auth/refresh`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/assets/index-abc.js`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/somewhere`, 'navigate')).toBe('fetch-event');
    expect(routed(rules, 'https://elsewhere.example/page', 'navigate')).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/.well-known/jwks.json`)).toBe('network');
    expect(routed(rules, `${ORIGIN}/index.html.map`)).toBe('network');
    expect(routed(rules, 'https://cdn.example/font.woff2', 'no-cors')).toBe('network');
  });

  it('matches an exact path only as itself, and a prefix with everything under it', () => {
    const rules = staticRoutes(testConfig({ allowlist: ['/users', '/v1/'] }));
    expect(routed(rules, `${ORIGIN}/users`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/users?page=2`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/users/1`)).toBe('network');
    expect(routed(rules, `${ORIGIN}/users-admin`)).toBe('network');
    expect(routed(rules, `${ORIGIN}/v1/`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/v1/a/b`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/v1`)).toBe('network');
  });

  it('keeps each rule to its own scheme, host and port, the default port written or not', () => {
    const rules = staticRoutes(testConfig({ allowlist: ['https://api.example.com/v1/', 'http://localhost:8080/api/'] }));
    expect(routed(rules, 'https://api.example.com/v1/x')).toBe('fetch-event');
    expect(routed(rules, 'https://api.example.com:443/v1/x')).toBe('fetch-event');
    expect(routed(rules, 'https://API.example.com/v1/x')).toBe('fetch-event');
    expect(routed(rules, 'http://api.example.com/v1/x')).toBe('network');
    expect(routed(rules, 'https://api.example.com:8443/v1/x')).toBe('network');
    expect(routed(rules, 'https://api.example.com.evil.example/v1/x')).toBe('network');
    expect(routed(rules, 'http://localhost:8080/api/x')).toBe('fetch-event');
    expect(routed(rules, 'http://localhost:8081/api/x')).toBe('network');
    expect(routed(rules, 'http://localhost/api/x')).toBe('network');
    expect(routed(rules, `${ORIGIN}/v1/x`)).toBe('network');
  });

  it('matches paths with URLPattern’s syntax characters as written, and IPv6 hosts', () => {
    const rules = staticRoutes(testConfig({ allowlist: ['/v1/items:search', '/(legacy)/', '/a+b', 'http://[::1]:8080/api/'] }));
    expect(rules[0]?.condition.urlPattern?.pathname).toBe('/v1/items\\:search');
    expect(routed(rules, `${ORIGIN}/v1/items:search`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/v1/items:other`)).toBe('network');
    expect(routed(rules, `${ORIGIN}/(legacy)/x`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/legacy/x`)).toBe('network');
    expect(routed(rules, `${ORIGIN}/a+b`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/aab`)).toBe('network');
    expect(routed(rules, 'http://[::1]:8080/api/x')).toBe('fetch-event');
    expect(routed(rules, 'http://[::2]:8080/api/x')).toBe('network');
  });

  it('matches percent-encoded paths as the URL parser writes them', () => {
    const rules = staticRoutes(testConfig({ allowlist: ['/caf%C3%A9/', '/a%20b'] }));
    expect(routed(rules, `${ORIGIN}/café/menu`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/a b`)).toBe('fetch-event');
    expect(routed(rules, `${ORIGIN}/cafe/menu`)).toBe('network');
  });

  it('routes to the worker every request the broker lends the token to or refuses, including those it turns away', () => {
    const options: TokenBrokerOptions<UserRecord> = {
      allowlist: ['/api/', 'https://api.example.com/users', 'https://api.example.com/v1/', 'http://localhost:8080/x:y/'],
    };
    const config = testConfig(options);
    const broker = new TokenBroker(config, {
      transport: () => Promise.reject(new Error('unused')),
      clock: Date,
      store: { load: async () => undefined, save: async () => undefined, clear: async () => undefined },
      log: () => undefined,
    });
    const rules = staticRoutes(config);
    const paths = [
      '/api/',
      '/api/users',
      '/api/todos?x=1#y',
      '/api/..%2Fauth/refresh',
      '/api/%2e%2e/auth/refresh',
      '/api/%2E/x',
      '/api/..%5Cauth',
      '/api/../auth/refresh',
      '/api\\x',
      '/API/users',
      '/api',
      '/auth/login',
      '/auth/',
      '/auth/%2e%2e/api/x',
      '/authx',
      '/users',
      '/users/1',
      '/users?page=2',
      '/v1/',
      '/v1/a%2Fb',
      '/v1',
      '/x:y/z',
      '/x:z/z',
      '/',
    ];
    const origins = [
      ORIGIN,
      'http://APP.test:80',
      'https://app.test',
      'https://api.example.com',
      'http://localhost:8080',
      'http://evil.example',
    ];
    let mustSee = 0;
    for (const origin of origins) {
      for (const path of paths) {
        for (const mode of ['cors', 'no-cors', 'same-origin', 'navigate'] as const) {
          const url = `${origin}${path}`;
          const kind = broker.classify(request(url, mode));
          if (kind === 'other') continue;
          mustSee += 1;
          expect(routed(rules, new URL(url).href, mode), `${kind}: ${mode} ${url}`).toBe('fetch-event');
        }
      }
    }
    expect(mustSee).toBeGreaterThan(50);
  });

  it('leaves out rules that another one covers', () => {
    const config = testConfig({ allowlist: ['/api/', '/api/users', 'https://api.example.com/v1/'] });
    const rules = staticRoutes(config, handles(['/api/', '/assets/', '/assets/a.js', '/index.html', '/index.html']));
    expect(rules.map((rule) => rule.condition.urlPattern?.pathname)).toEqual([
      '/api/*',
      '/v1/*',
      '/auth/*',
      '/assets/*',
      '/index.html',
      undefined,
      '*',
    ]);
  });

  it('says when Chromium would refuse the rules: 256 or more', () => {
    const files = (count: number) => handles(Array.from({ length: count }, (_, index) => `/file-${index}.js`));
    // allowlist + brokerOnly + navigations + everything else: 4 rules besides the files.
    const most = staticRoutes(testConfig(), files(MAX_ROUTER_RULES - 4));
    expect(most).toHaveLength(255);
    expect(routerLimitProblem(most)).toBeUndefined();
    const tooMany = staticRoutes(testConfig(), files(MAX_ROUTER_RULES - 3));
    expect(routerLimitProblem(tooMany)).toBe('256 router rules, more than the 255 Chromium takes');
  });

  it('takes the worker’s origin for paths', () => {
    const config = resolveOptions({ allowlist: ['/api/'] }, 'https://app.example.com:8443');
    expect(staticRoutes(config)[0]?.condition.urlPattern).toMatchObject({ protocol: 'https', hostname: 'app.example.com', port: '8443' });
  });
});
