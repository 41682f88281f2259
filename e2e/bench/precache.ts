/**
 * `npm run bench:precache`: what checking the precache costs on a repeat visit. The production
 * build (every precached response hashed and compared with the build's SRI digest, navigations
 * given the document headers) against the same app built with VITE_PRECACHE_INTEGRITY=off (plain
 * Workbox precaching), on two origins of one process, interleaved round by round in one browser.
 * Each round loads /login (signed out, so no API call) from a warm, controlling worker: the
 * document and every asset come from the precache. Prints a table. Not part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page, type Response } from '@playwright/test';
import { createServices } from '../../mock-api/app.ts';
import { mockApiConfig } from '../../mock-api/config.ts';
import { nodeMockApiApp } from '../../mock-api/node-app.ts';
import { DIST } from '../../mock-api/node-config.ts';
import { chromiumLaunchOptions } from '../browser.ts';
import { serveOnFreePort, type RunningServer } from '../fixtures/serve-on-free-port.ts';
import { fixed, quantile, summary } from './statistics.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARM_UP = 5;
const VARIANTS = ['checked', 'unchecked'] as const;
type Variant = (typeof VARIANTS)[number];
type Metric = 'document' | 'script' | 'domContentLoaded' | 'load' | 'rendered';
const METRICS: readonly Metric[] = ['document', 'script', 'domContentLoaded', 'load', 'rendered'];
const DESCRIBED: Record<Metric, string> = {
  document: 'the document received (responseEnd)',
  script: 'the main script, its fetch alone (Resource Timing)',
  domContentLoaded: 'DOMContentLoaded done (the scripts ran)',
  load: 'load done',
  rendered: 'the sign-in form on screen',
};

/** Builds the app without the precache check into a temporary folder. */
function buildUnchecked(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-unchecked-'));
  const built = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    { env: { ...process.env, VITE_PRECACHE_INTEGRITY: 'off' }, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`the build without the check failed:\n${built.stdout}\n${built.stderr}`);
  return outDir;
}

/** A page of `origin` that a worker controls, its precache installed, with the memory cache off. */
async function controlledPage(context: BrowserContext, origin: string): Promise<Page> {
  const page = await context.newPage();
  // When the sign-in heading first appears, in the page's own clock (the init script runs before the app's).
  await page.addInitScript(() => {
    const state = window as unknown as { renderedAt?: number };
    new MutationObserver((_, observer) => {
      if ([...document.querySelectorAll('h1, h2')].some((heading) => heading.textContent?.includes('Sign in'))) {
        state.renderedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(`${origin}/login`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  // Every asset then goes to the worker on each load, not to Blink's memory cache.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  return page;
}

/** One repeat visit: its timings (ms from navigation start; the script's from its own start), and whether the worker answered everything. */
async function visit(
  page: Page,
  origin: string,
): Promise<{ times: Record<Metric, number>; allFromWorker: boolean; headers: Record<string, string> }> {
  const answered: boolean[] = [];
  const onResponse = (response: Response): void => {
    if (response.url().startsWith(origin) && !new URL(response.url()).pathname.startsWith('/api/'))
      answered.push(response.fromServiceWorker());
  };
  page.on('response', onResponse);
  const response = await page.goto(`${origin}/login`, { waitUntil: 'load' });
  await page.waitForFunction(() => (window as unknown as { renderedAt?: number }).renderedAt !== undefined);
  page.off('response', onResponse);
  const times = await page.evaluate(() => {
    const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    if (!navigation) throw new Error('no navigation timing');
    const script = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((entry) =>
      /\/assets\/index-[^/]+\.js$/.test(entry.name),
    );
    return {
      document: navigation.responseEnd - navigation.startTime,
      script: script ? script.responseEnd - script.startTime : Number.NaN,
      domContentLoaded: navigation.domContentLoadedEventEnd - navigation.startTime,
      load: navigation.loadEventEnd - navigation.startTime,
      rendered: ((window as unknown as { renderedAt: number }).renderedAt ?? Number.NaN) - navigation.startTime,
    };
  });
  return { times, allFromWorker: answered.length >= 3 && answered.every(Boolean), headers: response?.headers() ?? {} };
}

/** SHA-384 of `bytes` with WebCrypto in the page, p50 of `count` runs, ms: what one check hashes. */
function digestTime(page: Page, url: string, count: number): Promise<number> {
  return page.evaluate(
    async ({ url, count }) => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const times: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const start = performance.now();
        await crypto.subtle.digest('SHA-384', bytes);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[Math.floor(count / 2)] ?? Number.NaN;
    },
    { url, count },
  );
}

function size(file: string): { raw: number; gzip: number } {
  const bytes = readFileSync(file);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

async function main(): Promise<void> {
  const uncheckedDist = buildUnchecked();
  const api = await createServices(mockApiConfig());
  const servers: RunningServer[] = [
    await serveOnFreePort(nodeMockApiApp(api, { dist: DIST })),
    await serveOnFreePort(nodeMockApiApp(api, { dist: uncheckedDist })),
  ];
  const origins: Record<Variant, string> = { checked: servers[0]?.url ?? '', unchecked: servers[1]?.url ?? '' };
  const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
  try {
    const context = await browser.newContext();
    const pages: Record<Variant, Page> = {
      checked: await controlledPage(context, origins.checked),
      unchecked: await controlledPage(context, origins.unchecked),
    };
    const empty = (): Record<Metric, number[]> => ({ document: [], script: [], domContentLoaded: [], load: [], rendered: [] });
    const samples: Record<Variant, Record<Metric, number[]>> = { checked: empty(), unchecked: empty() };
    // Checked over unchecked within each round: neighbours in time share the machine's load of the moment.
    const paired = empty();
    const loadBefore = loadavg()[0] ?? Number.NaN;
    for (let round = -WARM_UP; round < ROUNDS; round += 1) {
      const times: Partial<Record<Variant, Record<Metric, number>>> = {};
      // Alternate which variant goes first; negative rounds are warm-up.
      for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        const result = await visit(pages[variant], origins[variant]);
        if (!result.allFromWorker) throw new Error(`${variant}: a response did not come from the worker`);
        // The check rebuilds the document's headers: the unchecked worker serves the cached ones, transfer headers and all.
        if ((result.headers['last-modified'] === undefined) !== (variant === 'checked'))
          throw new Error(`${variant}: not the variant it claims to be`);
        times[variant] = result.times;
      }
      if (round < 0 || !times.checked || !times.unchecked) continue;
      for (const metric of METRICS) {
        samples.checked[metric].push(times.checked[metric]);
        samples.unchecked[metric].push(times.unchecked[metric]);
        paired[metric].push(times.checked[metric] / times.unchecked[metric]);
      }
    }
    const loadAfter = loadavg()[0] ?? Number.NaN;
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(readFileSync(join(DIST, 'index.html'), 'utf8'))?.[1] ?? '';
    const scriptBytes = readFileSync(join(DIST, script)).length;
    const hashMs = await digestTime(pages.checked, `${origins.checked}${script}`, 200);

    const lines = [
      `Precache check on a repeat visit | Chromium ${browser.version()} | Node ${process.version} | ${cpus().length} CPUs, load ${fixed(loadBefore, 1)} -> ${fixed(loadAfter, 1)} | ${ROUNDS} interleaved rounds`,
      '',
      '| GET /login from a warm worker, ms | checked p50 / p95 | unchecked p50 / p95 | ratio of p50s | median of per-round ratios |',
      '| --- | --- | --- | --- | --- |',
      ...METRICS.map((metric) => {
        const checked = summary(samples.checked[metric]);
        const unchecked = summary(samples.unchecked[metric]);
        return `| ${DESCRIBED[metric]} | ${fixed(checked.p50)} / ${fixed(checked.p95)} | ${fixed(unchecked.p50)} / ${fixed(unchecked.p95)} | ${fixed(checked.p50 / unchecked.p50)} | ${fixed(quantile(paired[metric], 0.5))} |`;
      }),
      '',
      `SHA-384 of the main script (${(scriptBytes / 1024).toFixed(1)} KB) with WebCrypto in the page: p50 ${fixed(hashMs, 3)} ms`,
      ...(['checked', 'unchecked'] as const).map((variant) => {
        const { raw, gzip } = size(join(variant === 'checked' ? DIST : uncheckedDist, 'sw.js'));
        return `sw.js, ${variant}: ${raw} bytes raw, ${gzip} bytes gzip -9`;
      }),
    ];
    console.log(lines.join('\n'));
  } finally {
    await browser.close();
    await Promise.all(servers.map((server) => server.close()));
    rmSync(uncheckedDist, { recursive: true, force: true });
  }
}

await main();
