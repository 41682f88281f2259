import { bareUrl, consoleLog, silentLog, type Log } from '../log.ts';
import { SingleFlight } from '../single-flight.ts';
import { hasIntegrity, parseIntegrity, type Integrity } from './sri.ts';

/** A precache manifest entry as workbox-build writes it into `self.__WB_MANIFEST`, with its SRI `integrity`. */
export interface PrecacheManifestEntry {
  url: string;
  revision?: string | null;
  integrity?: string;
}

/** Options of {@link precacheIntegrity}. */
export interface PrecacheIntegrityOptions {
  /** The build's precache manifest (`self.__WB_MANIFEST`); every entry must carry an `integrity` (sha256, sha384 or sha512). */
  manifest: readonly (string | PrecacheManifestEntry)[];
  /** The cache key the precache stores a manifest URL under: workbox-precaching's `getCacheKeyForURL`, or your `PrecacheController`'s. */
  cacheKeyFor: (url: string) => string | undefined;
  /**
   * The headers every navigation answered from the precache carries instead of the cached ones:
   * the server's for the app's document (its Content-Type, the CSP, the hardening headers). Without
   * it, navigations keep the cached headers, which page script can rewrite.
   */
  documentHeaders?: HeadersInit;
  /** Where one-line reasons go (a mismatch, a failed repair); default `console.warn` with a `[token-broker]` prefix; `false` silences it. */
  log?: Log | false;
  /** The URL manifest URLs are relative to; default the worker's own (`location.href`), as Workbox resolves them. */
  base?: string;
}

/** What the plugin takes from the worker's global scope (`fetch`, `caches`); tests pass fakes. */
export interface PrecacheIntegrityDeps {
  fetch: (request: Request) => Promise<Response>;
  caches: { open(cacheName: string): Promise<Pick<Cache, 'delete' | 'put'>> };
}

/** What Workbox passes to a plugin's `cachedResponseWillBeUsed`, as far as this plugin reads it. */
export interface CachedResponseParam {
  cacheName: string;
  /** The cache key that was looked up. */
  request: Request;
  cachedResponse?: Response;
  event?: ExtendableEvent;
}

/** A Workbox plugin for the precache strategy: give it to workbox-precaching's `addPlugins`. */
export interface PrecacheIntegrityPlugin {
  cachedResponseWillBeUsed(param: CachedResponseParam): Promise<Response | undefined>;
}

interface Entry {
  /** The absolute URL the build serves the file at. */
  url: string;
  integrity: Integrity;
  /** An HTML file: served to a navigation with the document's Content-Type. */
  document: boolean;
}

/** A copy whose bytes were checked: the bytes, held by the worker alone so that they cannot change after the check, and its headers. */
interface Verified {
  body: ArrayBuffer;
  headers: Headers;
}

function entryOf(item: string | PrecacheManifestEntry, index: number, base: string): Entry {
  const url = typeof item === 'string' ? item : item.url;
  if (typeof item === 'string' || typeof item.integrity !== 'string') {
    throw new TypeError(`manifest[${index}] (${url}) has no integrity; add one at build time (workbox-build manifestTransforms)`);
  }
  const absolute = new URL(url, base);
  return { url: absolute.href, integrity: parseIntegrity(item.integrity), document: absolute.pathname.endsWith('.html') };
}

/** Whether the response is for a navigation (a page or a frame loading a document), from the fetch event Workbox passes. */
function isNavigation(event: ExtendableEvent | undefined): boolean {
  const request: unknown = event && 'request' in event ? event.request : undefined;
  return typeof request === 'object' && request !== null && 'mode' in request && request.mode === 'navigate';
}

/**
 * A Workbox precache plugin that serves only the build's bytes. Page script can rewrite Cache
 * Storage (it is shared with the origin's pages), and Workbox checks `integrity` only when it
 * fetches at install, so this checks every precached response before it is used: its body is
 * hashed with WebCrypto and compared with the manifest's SRI digest. A copy that does not match is
 * deleted, fetched again with `integrity` (the browser refuses other bytes, and so does this
 * plugin), put back and served; if that fails nothing is served from the precache, and Workbox
 * falls back to the network. Each mismatch is logged with the file's URL. With `documentHeaders`,
 * navigations answered from the precache carry those headers instead of the cached ones, so a
 * copy whose CSP was stripped is still served with it.
 *
 * @example
 * import { addPlugins, getCacheKeyForURL, precacheAndRoute } from 'workbox-precaching';
 * import { precacheIntegrity } from 'sw-token-broker/worker';
 * const manifest = self.__WB_MANIFEST; // the injection point may appear only once
 * precacheAndRoute(manifest);
 * addPlugins([precacheIntegrity({ manifest, cacheKeyFor: getCacheKeyForURL, documentHeaders: { 'Content-Security-Policy': "script-src 'self'" } })]);
 */
export function precacheIntegrity(options: PrecacheIntegrityOptions, deps: Partial<PrecacheIntegrityDeps> = {}): PrecacheIntegrityPlugin {
  const base = options.base ?? globalThis.location?.href;
  if (base === undefined) throw new TypeError('base is required outside a worker (the URL manifest URLs are relative to)');
  const entries = options.manifest.map((item, index) => entryOf(item, index, base));
  const documentHeaders = options.documentHeaders === undefined ? undefined : new Headers(options.documentHeaders);
  const log = options.log === false ? silentLog : (options.log ?? consoleLog);
  const send = deps.fetch ?? ((request: Request) => fetch(request));
  const storage = (): PrecacheIntegrityDeps['caches'] => deps.caches ?? caches;
  const repairs = new Map<string, SingleFlight<Verified | undefined>>();
  // Built on first use: the precache knows its cache keys only once the worker's script has run.
  let byCacheKey: Map<string, Entry> | undefined;

  function entryFor(cacheKey: string): Entry | undefined {
    byCacheKey ??= new Map(
      entries.flatMap((entry) => {
        const key = options.cacheKeyFor(entry.url);
        return key === undefined ? [] : [[new URL(key, base).href, entry] as const];
      }),
    );
    return byCacheKey.get(cacheKey);
  }

  async function refetch(cacheName: string, cacheKey: string, entry: Entry): Promise<Verified | undefined> {
    const cache = await storage().open(cacheName);
    await cache.delete(cacheKey);
    let reason = 'network error';
    try {
      const response = await send(
        new Request(entry.url, { integrity: entry.integrity.value, cache: 'reload', credentials: 'same-origin' }),
      );
      const body = await response.arrayBuffer();
      // The browser enforces `integrity`; checked again so that no fetch implementation is trusted with it.
      if (response.status !== 200) reason = `status ${response.status}`;
      else if (!(await hasIntegrity(body, entry.integrity))) reason = "the network's copy does not match either";
      else {
        await cache.put(cacheKey, new Response(body, { status: 200, headers: response.headers }));
        return { body, headers: response.headers };
      }
    } catch {
      // A network error, or the browser refused bytes that did not match `integrity`.
    }
    log(`precache: could not restore ${bareUrl(entry.url)} (${reason}); not serving it from the precache`);
    return undefined;
  }

  /** The build's copy from the network, one fetch however many requests found the same bad copy. */
  function restore(cacheName: string, cacheKey: string, entry: Entry): Promise<Verified | undefined> {
    let flight = repairs.get(cacheKey);
    if (!flight) repairs.set(cacheKey, (flight = new SingleFlight()));
    return flight.run(() => refetch(cacheName, cacheKey, entry));
  }

  /** The headers to serve a checked copy with: the document headers on a navigation, else its own. */
  function headersFor({ headers: cached }: Verified, entry: Entry, navigation: boolean): Headers {
    if (!navigation || !documentHeaders) return cached;
    const headers = new Headers(documentHeaders);
    const cachedType = cached.get('Content-Type');
    // Only the document takes the document's type; another file opened directly keeps its own.
    if ((!entry.document || !headers.has('Content-Type')) && cachedType !== null) headers.set('Content-Type', cachedType);
    return headers;
  }

  return {
    async cachedResponseWillBeUsed({ cacheName, request, cachedResponse, event }) {
      // Nothing cached: Workbox fetches it from the network.
      if (!cachedResponse) return undefined;
      const entry = entryFor(request.url);
      if (!entry) {
        log(`precache: ${bareUrl(request.url)} is not in this build's manifest; not serving it from the precache`);
        return undefined;
      }
      // The body is read once, hashed, and those very bytes are served: a rewrite of the cache entry
      // meanwhile changes nothing. (A tee'd clone would stream the served copy through the worker.)
      const body = await cachedResponse.arrayBuffer();
      let verified: Verified | undefined = { body, headers: cachedResponse.headers };
      if (cachedResponse.status !== 200 || !(await hasIntegrity(body, entry.integrity))) {
        log(`precache: ${bareUrl(entry.url)} does not match the build (${entry.integrity.algorithm}); deleting it and fetching it again`);
        verified = await restore(cacheName, request.url, entry);
      }
      if (!verified) return undefined;
      return new Response(verified.body, { status: 200, headers: headersFor(verified, entry, isNavigation(event)) });
    },
  };
}
