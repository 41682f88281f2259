import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  precacheIntegrity,
  type PrecacheIntegrityDeps,
  type PrecacheIntegrityOptions,
  type PrecacheIntegrityPlugin,
  type PrecacheManifestEntry,
} from './precache-integrity.ts';

const ORIGIN = 'http://app.test';
const CACHE = 'workbox-precache-v2-http://app.test/';
const INDEX = '<!doctype html><title>app</title>';
const SCRIPT = 'console.log("app");';
// The files' SRI values, as the build computes them (Node's crypto, sha384, base64).
const MANIFEST: PrecacheManifestEntry[] = [
  { url: 'index.html', revision: 'r1', integrity: 'sha384-1czhBj9z3mouihFu/zDO6pp8YYCGTaWO7/cI/Iv6RnjXNOOmN/j7lNKpRwPBcVS5' },
  { url: 'assets/index-abc.js', revision: null, integrity: 'sha384-j2PxOrCYv4qMf8lj2bFG8PVxtFGAZbLWCBLyePmVvVeFX5Ht0/HsOKF9XuLungJ+' },
];
// Workbox's scheme: a revisioned URL is stored under a key that carries the revision.
const cacheKeyFor = (url: string): string | undefined =>
  url === `${ORIGIN}/index.html` ? `${url}?__WB_REVISION__=r1` : url === `${ORIGIN}/assets/index-abc.js` ? url : undefined;
const KEY = { index: `${ORIGIN}/index.html?__WB_REVISION__=r1`, script: `${ORIGIN}/assets/index-abc.js` };
const SERVED: Record<string, { body: string; type: string }> = {
  [`${ORIGIN}/index.html`]: { body: INDEX, type: 'text/html; charset=utf-8' },
  [`${ORIGIN}/assets/index-abc.js`]: { body: SCRIPT, type: 'text/javascript; charset=utf-8' },
};
const DOCUMENT_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'",
  'Content-Type': 'text/html; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
};
const CSP = DOCUMENT_HEADERS['Content-Security-Policy'];

/** One named cache: request URL to response, as Cache Storage keeps it. */
class FakeCache {
  readonly entries = new Map<string, Response>();
  async put(key: RequestInfo | URL, response: Response): Promise<void> {
    this.entries.set(new Request(key).url, response.clone());
  }
  async delete(key: RequestInfo | URL): Promise<boolean> {
    return this.entries.delete(new Request(key).url);
  }
  match(key: string): Response | undefined {
    return this.entries.get(key)?.clone();
  }
}

/** The network: serves the build's files, or what a test tells it to. */
class FakeNetwork {
  readonly requests: Request[] = [];
  mode: 'ok' | 'down' | 'wrong-bytes' = 'ok';
  gate: Promise<void> | undefined;
  async fetch(request: Request): Promise<Response> {
    this.requests.push(request);
    await this.gate;
    if (this.mode === 'down') throw new TypeError('Failed to fetch');
    const file = SERVED[request.url];
    if (!file) return new Response('not found', { status: 404 });
    return new Response(this.mode === 'wrong-bytes' ? `${file.body} ` : file.body, { headers: { 'Content-Type': file.type } });
  }
}

// Node cannot build a navigation Request (the Fetch spec forbids mode "navigate" in the
// constructor), so the fetch event carries a stand-in with just the mode the plugin reads.
const NAVIGATION = { type: 'fetch', request: { mode: 'navigate' } } as unknown as ExtendableEvent;
const SUBRESOURCE = { type: 'fetch', request: { mode: 'cors' } } as unknown as ExtendableEvent;

let cache: FakeCache;
let network: FakeNetwork;
let logged: string[];
let deps: PrecacheIntegrityDeps;

beforeEach(async () => {
  cache = new FakeCache();
  network = new FakeNetwork();
  logged = [];
  deps = { fetch: (request) => network.fetch(request), caches: { open: async () => cache } };
  await cache.put(
    KEY.index,
    new Response(INDEX, { headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP } }),
  );
  await cache.put(KEY.script, new Response(SCRIPT, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } }));
});

function plugin(options: Partial<PrecacheIntegrityOptions> = {}): PrecacheIntegrityPlugin {
  return precacheIntegrity(
    {
      manifest: MANIFEST,
      cacheKeyFor,
      documentHeaders: DOCUMENT_HEADERS,
      base: `${ORIGIN}/sw.js`,
      log: (line) => logged.push(line),
      ...options,
    },
    deps,
  );
}

/** What Workbox's precache strategy does on a read: look the key up, then let the plugin decide. */
function read(key: string, event: ExtendableEvent = SUBRESOURCE, guard = plugin()): Promise<Response | undefined> {
  return guard.cachedResponseWillBeUsed({ cacheName: CACHE, request: new Request(key), cachedResponse: cache.match(key), event });
}

async function plant(key: string, body: string, headers: HeadersInit = { 'Content-Type': 'text/html' }): Promise<void> {
  await cache.put(key, new Response(body, { headers }));
}

describe('precacheIntegrity', () => {
  it('serves a cached copy that matches the build as it is, without the network', async () => {
    const response = await read(KEY.script);
    expect(await response?.text()).toBe(SCRIPT);
    expect(response?.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(network.requests).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('never serves a copy with other bytes: fetches the build’s with integrity, puts it back and serves it', async () => {
    await plant(KEY.index, `${INDEX}<script>window.planted = true</script>`);
    const response = await read(KEY.index);
    expect(await response?.text()).toBe(INDEX);
    expect(network.requests.map((request) => [request.url, request.integrity, request.cache])).toEqual([
      [`${ORIGIN}/index.html`, MANIFEST[0]?.integrity, 'reload'],
    ]);
    expect(await cache.match(KEY.index)?.text()).toBe(INDEX);
    expect(logged).toEqual([expect.stringContaining(`${ORIGIN}/index.html does not match the build (SHA-384)`)]);
    expect(logged.join('\n')).not.toContain('planted');
  });

  it('checks a hashed asset the same way', async () => {
    await plant(KEY.script, 'window.planted = true;', { 'Content-Type': 'text/javascript' });
    expect(await (await read(KEY.script))?.text()).toBe(SCRIPT);
    expect(await cache.match(KEY.script)?.text()).toBe(SCRIPT);
  });

  it('treats a copy with the right bytes but another status as tampered', async () => {
    await cache.put(KEY.script, new Response(SCRIPT, { status: 203 }));
    const response = await read(KEY.script);
    expect(response?.status).toBe(200);
    expect(network.requests).toHaveLength(1);
  });

  it('serves nothing from the precache when the network is down, and leaves no bad copy behind', async () => {
    await plant(KEY.index, 'planted');
    network.mode = 'down';
    expect(await read(KEY.index)).toBeUndefined();
    expect(cache.entries.has(KEY.index)).toBe(false);
    expect(logged[1]).toMatch(/could not restore .*index\.html \(network error\)/);
  });

  it('serves nothing when the network’s copy does not match the build either', async () => {
    await plant(KEY.index, 'planted');
    network.mode = 'wrong-bytes';
    expect(await read(KEY.index)).toBeUndefined();
    expect(cache.entries.has(KEY.index)).toBe(false);
    expect(logged[1]).toMatch(/could not restore .*index\.html \(the network's copy does not match either\)/);
  });

  it('fetches once for any number of requests that found the same bad copy', async () => {
    await plant(KEY.script, 'planted');
    let open!: () => void;
    network.gate = new Promise((resolve) => (open = resolve));
    const guard = plugin();
    const reads = Promise.all(Array.from({ length: 5 }, () => read(KEY.script, SUBRESOURCE, guard)));
    // Each read logs the mismatch just before it asks for the repair: open the network once all five have.
    await vi.waitFor(() => expect(logged.filter((line) => line.includes('does not match the build'))).toHaveLength(5));
    open();
    const bodies = await Promise.all((await reads).map(async (response) => response?.text()));
    expect(bodies).toEqual(Array(5).fill(SCRIPT));
    expect(network.requests).toHaveLength(1);
  });

  it('leaves a miss to Workbox, which fetches it from the network', async () => {
    const guard = plugin();
    expect(await guard.cachedResponseWillBeUsed({ cacheName: CACHE, request: new Request(KEY.index), event: NAVIGATION })).toBeUndefined();
    expect(network.requests).toEqual([]);
  });

  it('never serves a cached response the build does not list', async () => {
    const stray = `${ORIGIN}/stray.js`;
    await plant(stray, 'window.planted = true;');
    expect(await read(stray)).toBeUndefined();
    expect(logged).toEqual([expect.stringContaining(`${stray} is not in this build's manifest`)]);
  });

  describe('navigations', () => {
    it('carry exactly the document headers, whatever headers the cached copy has', async () => {
      // Right bytes, CSP stripped and a header added: only the headers were tampered with.
      await plant(KEY.index, INDEX, { 'Content-Type': 'text/plain', 'X-Planted': '1' });
      const response = await read(KEY.index, NAVIGATION);
      expect(Object.fromEntries(response?.headers ?? [])).toEqual(
        Object.fromEntries(Object.entries(DOCUMENT_HEADERS).map(([name, value]) => [name.toLowerCase(), value])),
      );
      expect(await response?.text()).toBe(INDEX);
      expect(network.requests).toEqual([]);
    });

    it('carry them on a copy that was just restored', async () => {
      await plant(KEY.index, 'planted');
      const response = await read(KEY.index, NAVIGATION);
      expect(response?.headers.get('Content-Security-Policy')).toBe(CSP);
      expect(await response?.text()).toBe(INDEX);
    });

    it('to a file that is not a document keep its type and get the rest', async () => {
      const response = await read(KEY.script, NAVIGATION);
      expect(response?.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
      expect(response?.headers.get('Content-Security-Policy')).toBe(CSP);
    });

    it('keep the cached headers when no document headers are given', async () => {
      await plant(KEY.index, INDEX, { 'Content-Type': 'text/html' });
      const response = await read(KEY.index, NAVIGATION, plugin({ documentHeaders: undefined }));
      expect(response?.headers.get('Content-Security-Policy')).toBeNull();
    });

    it('are the only requests that get them', async () => {
      const response = await read(KEY.index, SUBRESOURCE);
      expect(response?.headers.get('X-Content-Type-Options')).toBeNull();
    });
  });

  describe('configuration', () => {
    it.each([
      ['an entry without integrity', [{ url: 'index.html', revision: 'r1' }]],
      ['an entry given as a bare URL', ['index.html']],
      ['a malformed integrity', [{ url: 'index.html', revision: 'r1', integrity: 'sha384-???' }]],
    ])('throws a TypeError for %s', (_, manifest) => {
      expect(() => precacheIntegrity({ manifest, cacheKeyFor, base: ORIGIN }, deps)).toThrow(TypeError);
    });
  });
});
