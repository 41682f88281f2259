/**
 * `npm run bench`: what the broker costs, measured side by side in one run on the production
 * build in Chromium. Prints a table and writes bench-results.json. Not part of `npm test`.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { DIST } from '../../mock-api/node-config.ts';
import type { Stats } from '../../mock-api/stats.ts';
import { chromiumLaunchOptions } from '../browser.ts';
import { stopAllWorkers } from '../workers.ts';
import { buildVariant } from './build-variant.ts';
import { startBenchServers, type Origin } from './servers.ts';
import { fixed, quantile, summary } from './statistics.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const BATCH = 20;
const CONCURRENT = 100;
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);

async function stats(origin: Origin): Promise<Stats> {
  return (await fetch(`${origin.url}/__mock/stats`)).json() as Promise<Stats>;
}

/** Signs in through the app's own form; the worker then holds the token. */
async function appPage(context: BrowserContext, origin: Origin): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin.url}/login`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.getByLabel('Username').fill('test');
  await page.getByLabel('Password').fill('test');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  return page;
}

/** A page that logs in itself and keeps the token in page JavaScript, as most apps do. */
async function tokenPage(context: BrowserContext, origin: Origin, worker?: string): Promise<{ page: Page; token: string }> {
  const page = await context.newPage();
  await page.goto(`${origin.url}/`);
  if (worker) {
    await page.evaluate((url) => navigator.serviceWorker.register(url).then(() => undefined), worker);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  }
  const token = await page.evaluate(async () => {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username":"test","password":"test"}',
    });
    return ((await response.json()) as { access_token: string }).access_token;
  });
  return { page, token };
}

/** Sequential requests from the page: each one's latency, ms. */
function sequential(page: Page, count: number, authorization?: string): Promise<number[]> {
  return page.evaluate(
    async ({ count, authorization }) => {
      const init: RequestInit = authorization ? { headers: { Authorization: authorization } } : {};
      const times: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const start = performance.now();
        const response = await fetch('/api/me', init);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`status ${response.status}`);
        times.push(performance.now() - start);
      }
      return times;
    },
    { count, authorization },
  );
}

/** `count` requests at once from the page: time until all are answered, ms. */
function concurrent(page: Page, count: number, authorization?: string): Promise<number> {
  return page.evaluate(
    async ({ count, authorization }) => {
      const init: RequestInit = authorization ? { headers: { Authorization: authorization } } : {};
      const start = performance.now();
      const responses = await Promise.all(
        Array.from({ length: count }, () => fetch('/api/me', init).then(async (r) => (await r.arrayBuffer(), r.status))),
      );
      if (responses.some((status) => status !== 200)) throw new Error('a request failed');
      return performance.now() - start;
    },
    { count, authorization },
  );
}

/** The worker's and the app's JS sizes in a build folder. */
function sizes(dist: string): { file: string; raw: number; gzip: number }[] {
  const files = [
    'sw.js',
    ...readdirSync(join(dist, 'assets'))
      .filter((name) => name.endsWith('.js'))
      .map((name) => `assets/${name}`),
  ];
  return files.map((file) => {
    const bytes = readFileSync(join(dist, file));
    return { file, raw: statSync(join(dist, file)).size, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

async function main(): Promise<void> {
  const bearerDist = buildVariant('bearer', { VITE_DPOP: 'off' }); // the Bearer broker, variant d
  const servers = await startBenchServers(bearerDist);
  const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    chromium: browser.version(),
    cpus: (await import('node:os')).cpus().length,
    rounds: ROUNDS,
  };
  try {
    // 1. Per-request overhead, the three variants interleaved round by round.
    const context = await browser.newContext();
    const broker = await appPage(context, servers.app);
    const bearerBroker = await appPage(context, servers.bearerApp);
    const plain = await tokenPage(context, servers.plain);
    const passthrough = await tokenPage(context, servers.passthrough, '/passthrough-sw.js');
    const variants = {
      a: () => sequential(plain.page, BATCH, `Bearer ${plain.token}`),
      b: () => sequential(passthrough.page, BATCH, `Bearer ${passthrough.token}`),
      c: () => sequential(broker, BATCH),
      d: () => sequential(bearerBroker, BATCH),
    };
    const seq: Record<'a' | 'b' | 'c' | 'd', number[]> = { a: [], b: [], c: [], d: [] };
    const conc: Record<'a' | 'b' | 'c' | 'd', number[]> = { a: [], b: [], c: [], d: [] };
    for (let round = -2; round < ROUNDS; round += 1) {
      // Rotate the order each round so no variant always goes first; rounds < 0 are warm-up.
      const order = (['a', 'b', 'c', 'd'] as const).map((_, i, all) => all[(i + round + 4) % 4] as 'a' | 'b' | 'c' | 'd');
      for (const key of order) {
        const times = await variants[key]();
        const wall =
          key === 'c' || key === 'd'
            ? await concurrent(key === 'c' ? broker : bearerBroker, CONCURRENT)
            : await concurrent(
                key === 'a' ? plain.page : passthrough.page,
                CONCURRENT,
                `Bearer ${(key === 'a' ? plain : passthrough).token}`,
              );
        if (round >= 0) {
          seq[key].push(...times);
          conc[key].push(wall);
        }
      }
    }
    const s = { a: summary(seq.a), b: summary(seq.b), c: summary(seq.c), d: summary(seq.d) };
    const k = { a: summary(conc.a), b: summary(conc.b), c: summary(conc.c), d: summary(conc.d) };
    const ratios = (x: typeof s) => ({
      'b/a': x.b.p50 / x.a.p50,
      'c/a': x.c.p50 / x.a.p50,
      'c/b': x.c.p50 / x.b.p50,
      'd/b': x.d.p50 / x.b.p50,
      'c/d': x.c.p50 / x.d.p50,
      'c/d p95': x.c.p95 / x.d.p95,
    });
    results.overhead = { sequential: { ...s, ratios: ratios(s) }, concurrent100: { ...k, ratios: ratios(k) } };
    await context.close();

    // 2. Refresh storm: 100 concurrent requests with an expired token (ACCESS_TTL 2).
    const stormContext = await browser.newContext();
    const shortBroker = await appPage(stormContext, servers.shortApp);
    await shortBroker.waitForTimeout(2_500);
    let before = await stats(servers.shortApp);
    const brokerWall = await concurrent(shortBroker, CONCURRENT);
    let after = await stats(servers.shortApp);
    const brokerStorm = {
      refreshCalls: after.refreshes + after.refreshFailures - before.refreshes - before.refreshFailures,
      failed: 0,
      wallMs: brokerWall,
    };

    const naive = await tokenPage(stormContext, servers.shortPlain);
    // The server accepts a token until 5 s (its clock tolerance) past exp: wait that out too.
    await naive.page.waitForTimeout(7_500);
    before = await stats(servers.shortPlain);
    const naiveResult = await naive.page.evaluate(
      async ({ count, token }) => {
        // The interceptor most tutorials show: on 401, refresh and retry; nothing shared.
        // (No named functions in here: tsx would wrap them in a helper the page lacks.)
        let current = token;
        const start = performance.now();
        const statuses = await Promise.all(
          Array.from({ length: count }, async () => {
            const first = await fetch('/api/me', { headers: { Authorization: `Bearer ${current}` } });
            if (first.status !== 401) return first.status;
            const refreshed = await fetch('/auth/refresh', { method: 'POST' });
            if (!refreshed.ok) return refreshed.status;
            current = ((await refreshed.json()) as { access_token: string }).access_token;
            return (await fetch('/api/me', { headers: { Authorization: `Bearer ${current}` } })).status;
          }),
        );
        return { wallMs: performance.now() - start, failed: statuses.filter((status) => status !== 200).length };
      },
      { count: CONCURRENT, token: naive.token },
    );
    after = await stats(servers.shortPlain);
    results.storm = {
      broker: brokerStorm,
      naive: {
        refreshCalls: after.refreshes + after.refreshFailures - before.refreshes - before.refreshFailures,
        reuseDetected: after.reuseDetected - before.reuseDetected,
        ...naiveResult,
      },
    };
    await stormContext.close();

    // 3. Cold start: first authorized response after the worker was stopped, against a warm one.
    const coldContext = await browser.newContext();
    const cold = await appPage(coldContext, servers.app);
    const refreshSpans: { start: number; end: number }[] = [];
    let refreshStart = 0;
    coldContext.on('request', (request) => {
      if (request.serviceWorker() && request.url().endsWith('/auth/refresh')) refreshStart = Date.now();
    });
    coldContext.on('requestfinished', (request) => {
      if (request.serviceWorker() && request.url().endsWith('/auth/refresh')) refreshSpans.push({ start: refreshStart, end: Date.now() });
    });
    const warm: number[] = [];
    const coldTotal: number[] = [];
    const boot: number[] = [];
    const refresh: number[] = [];
    for (let i = 0; i < Math.max(5, Math.round(ROUNDS / 1.5)); i += 1) {
      warm.push(...(await sequential(cold, 3)));
      await stopAllWorkers(cold);
      await cold.waitForTimeout(200);
      refreshSpans.length = 0;
      const started = Date.now();
      const total = (await sequential(cold, 1))[0] ?? Number.NaN;
      const span = refreshSpans[0];
      coldTotal.push(total);
      if (span) {
        boot.push(span.start - started);
        refresh.push(span.end - span.start);
      }
    }
    results.coldStart = {
      warm: summary(warm),
      cold: summary(coldTotal),
      workerBootUntilRefreshStarts: summary(boot),
      refresh: summary(refresh),
      ratio: quantile(coldTotal, 0.5) / quantile(warm, 0.5),
    };
    await coldContext.close();

    // 4. Sizes.
    // One bundle: VITE_DPOP=off turns DPoP off at run time, so the Bearer build is the same size.
    results.sizes = sizes(DIST);

    // 5. Soak: mixed traffic from two tabs, ACCESS_TTL 2, the worker stopped every 10 s.
    const soakContext = await browser.newContext();
    const tabs = [await appPage(soakContext, servers.shortApp)];
    tabs.push(await soakContext.newPage());
    await tabs[1]?.goto(`${servers.shortApp.url}/`);
    await tabs[1]?.getByRole('heading', { name: /Welcome/ }).waitFor();
    before = await stats(servers.shortApp);
    const deadline = Date.now() + SOAK_SECONDS * 1000;
    const stopper = (async () => {
      let stops = 0;
      while (Date.now() + 10_000 < deadline) {
        await tabs[0]?.waitForTimeout(10_000);
        await stopAllWorkers(tabs[0] as Page);
        stops += 1;
      }
      return stops;
    })();
    const traffic = await Promise.all(
      tabs.map((tab, index) =>
        tab.evaluate(
          async ({ until, index }) => {
            let requests = 0;
            const unexpected: string[] = [];
            for (let i = 0; Date.now() < until; i += 1) {
              const kind = (i + index) % 3;
              try {
                const response =
                  kind === 0
                    ? await fetch('/api/todos', {
                        method: 'POST',
                        headers: { 'Content-Type': 'application/json' },
                        body: JSON.stringify({ title: `soak ${index}-${i}` }),
                      })
                    : await fetch(kind === 1 ? '/api/todos' : '/api/users');
                await response.arrayBuffer();
                if (!response.ok) unexpected.push(String(response.status));
              } catch (error) {
                unexpected.push(`network: ${String(error)}`);
              }
              requests += 1;
            }
            return { requests, unexpected };
          },
          { until: deadline, index },
        ),
      ),
    );
    const stops = await stopper;
    after = await stats(servers.shortApp);
    results.soak = {
      seconds: SOAK_SECONDS,
      workerStops: stops,
      requests: traffic.reduce((sum, tab) => sum + tab.requests, 0),
      unexpected: traffic.flatMap((tab) => tab.unexpected),
      refreshCalls: after.refreshes - before.refreshes,
      refreshFailures: after.refreshFailures - before.refreshFailures,
      logins: after.logins - before.logins,
    };
    await soakContext.close();
  } finally {
    await browser.close();
    await servers.close();
    rmSync(bearerDist, { recursive: true, force: true });
  }
  writeFileSync('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
  print(results);
}

function print(results: Record<string, unknown>): void {
  const r = results as {
    overhead: Record<
      'sequential' | 'concurrent100',
      Record<'a' | 'b' | 'c' | 'd', { p50: number; p95: number; n: number }> & { ratios: Record<string, number> }
    >;
    storm: {
      broker: { refreshCalls: number; failed: number; wallMs: number };
      naive: { refreshCalls: number; failed: number; wallMs: number; reuseDetected: number };
    };
    coldStart: Record<'warm' | 'cold' | 'workerBootUntilRefreshStarts' | 'refresh', { p50: number; p95: number }> & { ratio: number };
    sizes: { file: string; raw: number; gzip: number }[];
    soak: {
      seconds: number;
      workerStops: number;
      requests: number;
      unexpected: string[];
      refreshCalls: number;
      refreshFailures: number;
      logins: number;
    };
  };
  const lines: string[] = [];
  lines.push(
    `Benchmark ${String(results.date)} | Chromium ${String(results.chromium)} | Node ${String(results.node)} | ${String(results.cpus)} CPUs`,
  );
  lines.push('');
  lines.push('Per-request overhead, GET /api/me (a: no worker, b: pass-through worker, c: broker with DPoP, d: broker with Bearer)');
  lines.push('| mode | a p50 / p95 ms | b p50 / p95 ms | c p50 / p95 ms | d p50 / p95 ms | b/a | c/b | d/b | c/d (DPoP) | c/d p95 |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const mode of ['sequential', 'concurrent100'] as const) {
    const o = r.overhead[mode];
    const ratio = (name: string): string => fixed(o.ratios[name] ?? Number.NaN);
    lines.push(
      `| ${mode === 'sequential' ? 'sequential (per request)' : '100 concurrent (all answered)'} | ${fixed(o.a.p50)} / ${fixed(o.a.p95)} | ${fixed(o.b.p50)} / ${fixed(o.b.p95)} | ${fixed(o.c.p50)} / ${fixed(o.c.p95)} | ${fixed(o.d.p50)} / ${fixed(o.d.p95)} | ${ratio('b/a')} | ${ratio('c/b')} | ${ratio('d/b')} | ${ratio('c/d')} | ${ratio('c/d p95')} |`,
    );
  }
  lines.push('');
  lines.push('Refresh storm: 100 concurrent requests with an expired token');
  lines.push('| client | refresh calls | failed requests | all answered in ms |');
  lines.push('| --- | --- | --- | --- |');
  lines.push(`| broker (single-flight) | ${r.storm.broker.refreshCalls} | ${r.storm.broker.failed} | ${fixed(r.storm.broker.wallMs, 1)} |`);
  lines.push(
    `| naive page interceptor | ${r.storm.naive.refreshCalls} | ${r.storm.naive.failed} (reuse detected ${r.storm.naive.reuseDetected}) | ${fixed(r.storm.naive.wallMs, 1)} |`,
  );
  lines.push('');
  const c = r.coldStart;
  lines.push(
    `Cold start after ServiceWorker.stopAllWorkers: first response p50 ${fixed(c.cold.p50, 1)} ms (p95 ${fixed(c.cold.p95, 1)}) vs warm p50 ${fixed(c.warm.p50, 1)} ms: ${fixed(c.ratio, 1)}x`,
  );
  lines.push(
    `  worker boot until its refresh starts p50 ${fixed(c.workerBootUntilRefreshStarts.p50, 1)} ms; refresh p50 ${fixed(c.refresh.p50, 1)} ms`,
  );
  lines.push('');
  lines.push('Sizes');
  for (const size of r.sizes)
    lines.push(`  ${size.file}: ${(size.raw / 1024).toFixed(1)} KB raw, ${(size.gzip / 1024).toFixed(1)} KB gzip`);
  lines.push('');
  const s = r.soak;
  lines.push(
    `Soak: ${s.seconds} s, two tabs, ACCESS_TTL 2, worker stopped ${s.workerStops} times: ${s.requests} requests, ${s.unexpected.length} unexpected failures, ${s.refreshCalls} refreshes (${s.refreshFailures} refused), ${s.logins} logins`,
  );
  if (s.unexpected.length > 0) lines.push(`  unexpected: ${[...new Set(s.unexpected)].join(', ')}`);
  console.log(lines.join('\n'));
}

await main();
