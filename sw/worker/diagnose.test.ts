import { describe, expect, it } from 'vitest';
import { jsonApi } from './adapters/json-api.ts';
import { diagnose } from './diagnose.ts';
import { resolveOptions } from './options.ts';

const APP = 'https://app.test';
const config = resolveOptions(
  {
    adapter: jsonApi({ endpoints: { login: '/auth/login', refresh: 'https://id.test/refresh' } }),
    allowlist: ['https://down.test/v1/', 'https://strict.test/v1/'],
  },
  APP,
);

// no-cors reaches everything but down.test; credentialed CORS fails at id.test and strict.test
// (strict.test refuses only the Authorization header).
async function transport(request: Request): Promise<Response> {
  // A browser's fetch refuses these outright.
  if (request.mode === 'no-cors' && request.redirect !== 'follow')
    throw new TypeError('Request mode is "no-cors" but the redirect mode is not "follow"');
  const url = new URL(request.url);
  if (url.hostname === 'down.test') throw new TypeError('Failed to fetch');
  if (request.mode === 'cors' && url.hostname === 'id.test') throw new TypeError('Failed to fetch');
  if (request.mode === 'cors' && url.hostname === 'strict.test' && request.headers.has('Authorization'))
    throw new TypeError('Failed to fetch');
  expect(request.headers.get('Cookie')).toBeNull();
  return new Response(null, { status: 404 });
}

describe('diagnose', () => {
  it('tells reachable, unreachable and CORS-refused origins apart, with the fix', async () => {
    const checks = await diagnose(config, transport, 1000);
    expect(checks.map(({ what, ok }) => [what, ok])).toEqual([
      ['endpoints.login', true],
      ['endpoints.refresh', false],
      ['allowlist[0]', false],
      ['allowlist[1]', false],
    ]);
    expect(checks[0]?.detail).toBe('reachable (same origin).');
    expect(checks[1]?.detail).toContain(`Access-Control-Allow-Origin: ${APP} (not *) and Access-Control-Allow-Credentials: true.`);
    expect(checks[2]?.detail).toContain('connect-src does not allow https://down.test');
    expect(checks[3]?.detail).toContain('allow Authorization in Access-Control-Allow-Headers');
  });
});
