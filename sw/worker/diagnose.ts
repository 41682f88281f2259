import type { DiagnosticCheck } from '../protocol.ts';
import { bareUrl } from './log.ts';
import { isRedirectAdapter } from './adapters/redirect-adapter.ts';
import type { BrokerConfig } from './options.ts';
import { ruleUrl } from './url-rules.ts';
import type { Transport } from './token-broker.ts';
import { withTimeout } from './timeout.ts';

async function reaches(transport: Transport, timeoutMs: number, init: RequestInit & { url: string }): Promise<true | string> {
  try {
    // Browsers allow no-cors only with redirect: 'follow'.
    const redirect = init.mode === 'no-cors' ? 'follow' : 'manual';
    await withTimeout(timeoutMs, (signal) => transport(new Request(init.url, { ...init, signal, cache: 'no-store', redirect })));
    return true;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Probes each configured URL from inside the worker, twice: a `no-cors` GET (does anything answer,
 * and does the worker's CSP allow it?) and, for other origins, a credentialed CORS GET (does the
 * server allow this origin with cookies, and the Authorization header where the token goes?).
 * Sends no token and no cookie-changing request.
 */
export async function diagnose(config: BrokerConfig<unknown>, transport: Transport, timeoutMs: number): Promise<DiagnosticCheck[]> {
  const adapter = config.adapter;
  // A provider's discovery document is public and read without cookies: probed with the API's CORS check, minus Authorization.
  const endpoints = isRedirectAdapter(adapter)
    ? [{ what: 'discovery', url: adapter.probeUrl, authorization: false, cookies: false }]
    : Object.entries(config.endpoints).flatMap(([name, url]) => (url ? [{ what: `endpoints.${name}`, url, authorization: false }] : []));
  const targets: { what: string; url: string; authorization: boolean; cookies?: boolean }[] = [
    ...endpoints,
    ...config.allowlist.map((rule, index) => ({ what: `allowlist[${index}]`, url: ruleUrl(rule), authorization: true })),
  ];
  return Promise.all(
    targets.map(async ({ what, url, authorization, cookies = true }): Promise<DiagnosticCheck> => {
      const shown = bareUrl(url);
      const opaque = await reaches(transport, timeoutMs, { url, mode: 'no-cors', credentials: 'omit' });
      if (opaque !== true) {
        return {
          what,
          url: shown,
          ok: false,
          detail: `unreachable from the worker (${opaque}): the server is down, or the worker's Content-Security-Policy connect-src does not allow ${new URL(url).origin}.`,
        };
      }
      if (new URL(url).origin === config.origin) return { what, url: shown, ok: true, detail: 'reachable (same origin).' };
      const headers: Record<string, string> = authorization ? { Authorization: 'Bearer diagnose' } : {};
      const cors = await reaches(transport, timeoutMs, { url, mode: 'cors', credentials: cookies ? 'include' : 'omit', headers });
      if (cors !== true && !cookies) {
        const detail = `reachable, but CORS refuses a request from ${config.origin}: answer Access-Control-Allow-Origin: ${config.origin} (or *).`;
        return { what, url: shown, ok: false, detail };
      }
      if (cors !== true) {
        return {
          what,
          url: shown,
          ok: false,
          detail: `reachable, but CORS refuses a credentialed request from ${config.origin}${authorization ? ' with an Authorization header' : ''}: answer Access-Control-Allow-Origin: ${config.origin} (not *) and Access-Control-Allow-Credentials: true${authorization ? ', and allow Authorization in Access-Control-Allow-Headers' : ''}.`,
        };
      }
      const allowed = cookies ? `with credentials${authorization ? ' and Authorization' : ''}` : '';
      return { what, url: shown, ok: true, detail: `reachable, and CORS allows ${config.origin}${allowed ? ` ${allowed}` : ''}.` };
    }),
  );
}
