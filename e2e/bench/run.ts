/**
 * `npm run bench`: what the broker costs, measured side by side in one run on the production
 * build in Chromium. Prints a table and writes bench-results.json. Not part of `npm test`.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from '@playwright/test';
import { DIST } from '../../mock-api/node-config.ts';
import { chromiumLaunchOptions } from '../browser.ts';
import { stopAllWorkers } from '../workers.ts';
import { buildVariant } from './build-variant.ts';
import { appPage, concurrent, stats, tokenPage } from './clients.ts';
import { measureColdStart, type ColdStartResult } from './cold-start.ts';
import { measureOidc, oidcTable, type OidcBenchResult } from './oidc.ts';
import { measureOverhead, overheadRatios, VARIANTS, type Overhead, type Variant } from './overhead.ts';
import { printProfile, runProfile, type ProfileResult } from './profile.ts';
import { startBenchServers, startDistOrigin } from './servers.ts';
import {
  buildWithoutStaticRouting,
  measureOutsideRequest,
  measureRepeatVisit,
  outsideRequestTable,
  repeatVisitTable,
  type OutsideRequestResult,
  type RepeatVisitResult,
} from './static-routing.ts';
import { fixed, spread, type Spread } from './statistics.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
/** The overhead and cold-start measurements run this many times; the targets are on the median. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENT = 100;
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);

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
    // 1. Per-request overhead, RUNS times, each run in a fresh context.
    const overheads: Overhead[] = [];
    for (let run = 0; run < RUNS; run += 1) overheads.push(await measureOverhead(browser, servers, ROUNDS));
    results.overhead = overheads;
    results.overheadRatios = ratiosAcrossRuns(overheads.map(overheadRatios));

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

    // 3. Cold start, RUNS times, and where a cold start's time goes inside the worker.
    const coldStarts: ColdStartResult[] = [];
    for (let run = 0; run < RUNS; run += 1)
      coldStarts.push(await measureColdStart(browser, servers.app, Math.max(5, Math.round(ROUNDS / 1.5))));
    results.coldStart = coldStarts;
    results.coldStartSpread = {
      warm: spread(coldStarts.map((c) => c.warm.p50)),
      cold: spread(coldStarts.map((c) => c.cold.p50)),
      refresh: spread(coldStarts.map((c) => c.refresh.p50)),
      beyondRefresh: spread(coldStarts.map((c) => c.beyondRefresh)),
    };
    results.profile = await runProfile(browser, 200, 10);

    // 4. Static routing: repeat visits with it, without it and with no worker; a request outside the worker's URLs.
    const unroutedDist = buildWithoutStaticRouting();
    const origins = {
      routed: await startDistOrigin(DIST),
      unrouted: await startDistOrigin(unroutedDist),
      noWorker: await startDistOrigin(DIST),
    };
    try {
      results.repeatVisit = await measureRepeatVisit(browser, origins, { rounds: ROUNDS });
      results.outsideRequest = await measureOutsideRequest(browser, origins, { rounds: ROUNDS });
    } finally {
      await Promise.all(Object.values(origins).map((origin) => origin.close()));
      rmSync(unroutedDist, { recursive: true, force: true });
    }

    // 5. OpenID Connect: the size of a worker with the oidc adapter, and its cold start.
    results.oidc = await measureOidc(browser, { runs: RUNS, rounds: Math.max(5, Math.round(ROUNDS / 1.5)) });

    // 6. Sizes.
    // One bundle: VITE_DPOP=off turns DPoP off at run time, so the Bearer build is the same size.
    results.sizes = sizes(DIST);

    // 7. Soak: mixed traffic from two tabs, ACCESS_TTL 2, the worker stopped every 10 s.
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

/** For each ratio: its value in every run, their median and range. */
function ratiosAcrossRuns(runs: Record<string, number>[]): Record<string, { runs: number[] } & Spread> {
  const names = Object.keys(runs[0] ?? {});
  return Object.fromEntries(
    names.map((name) => {
      const values = runs.map((run) => run[name] ?? Number.NaN);
      return [name, { runs: values, ...spread(values) }];
    }),
  );
}

/** The targets (issue: hot path), on the median of the runs. */
const TARGETS: Record<string, number> = {
  'sequential p50 d/b': 1.02,
  'sequential p95 d/b': 1.05,
  'concurrent p50 d/b': 1.02,
};

function print(results: Record<string, unknown>): void {
  const r = results as {
    overhead: Overhead[];
    overheadRatios: Record<string, { runs: number[] } & Spread>;
    storm: {
      broker: { refreshCalls: number; failed: number; wallMs: number };
      naive: { refreshCalls: number; failed: number; wallMs: number; reuseDetected: number };
    };
    coldStart: ColdStartResult[];
    coldStartSpread: Record<'warm' | 'cold' | 'refresh' | 'beyondRefresh', Spread>;
    profile: ProfileResult;
    repeatVisit: RepeatVisitResult[];
    outsideRequest: OutsideRequestResult[];
    sizes: { file: string; raw: number; gzip: number }[];
    oidc: OidcBenchResult;
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
  const range = (x: Spread, digits = 2): string => `${fixed(x.median, digits)} (${fixed(x.min, digits)}-${fixed(x.max, digits)})`;
  lines.push(
    `Benchmark ${String(results.date)} | Chromium ${String(results.chromium)} | Node ${String(results.node)} | ${String(results.cpus)} CPUs | ${r.overhead.length} runs`,
  );
  lines.push('');
  const keys = Object.keys(VARIANTS) as Variant[];
  lines.push(`Per-request overhead, GET /api/me (${keys.map((key) => `${key}: ${VARIANTS[key]}`).join(', ')}), ms`);
  lines.push(`| run | mode | ${keys.map((key) => `${key} p50 / p95`).join(' | ')} |`);
  lines.push(`| --- | --- | ${keys.map(() => '---').join(' | ')} |`);
  r.overhead.forEach((run, index) => {
    for (const mode of ['sequential', 'concurrent100'] as const) {
      const label = mode === 'sequential' ? 'sequential (per request)' : `${CONCURRENT} concurrent (all answered)`;
      lines.push(
        `| ${index + 1} | ${label} | ${keys.map((key) => `${fixed(run[mode][key].p50)} / ${fixed(run[mode][key].p95)}`).join(' | ')} |`,
      );
    }
  });
  lines.push('');
  lines.push(
    'Ratios: median of the runs (range); d/b is what the broker itself costs, c/b adds DPoP (a signature here, a verification at the API)',
  );
  lines.push('| ratio | target | runs | median (range) |');
  lines.push('| --- | --- | --- | --- |');
  for (const [name, value] of Object.entries(r.overheadRatios)) {
    const target = TARGETS[name];
    const verdict = target === undefined ? '' : ` ${value.median <= target ? 'met' : 'NOT met'}`;
    lines.push(
      `| ${name} | ${target === undefined ? '' : `<= ${target.toFixed(2)}`} | ${value.runs.map((x) => fixed(x)).join(', ')} | ${range(value)}${verdict} |`,
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
  const c = r.coldStartSpread;
  lines.push('Cold start after ServiceWorker.stopAllWorkers, p50 per run: median (range), ms');
  lines.push(
    `  first response ${range(c.cold, 1)} vs warm ${range(c.warm, 1)}; its refresh ${range(c.refresh, 1)}; beyond warm + refresh ${range(c.beyondRefresh, 1)} (target <= 10)`,
  );
  lines.push('');
  lines.push(...printProfile(r.profile));
  lines.push('');
  lines.push('Static routing: a repeat visit (navigation start to first content) with it, without it and with no worker');
  lines.push(...repeatVisitTable(r.repeatVisit));
  lines.push('');
  lines.push(...outsideRequestTable(r.outsideRequest));
  lines.push('');
  lines.push(...oidcTable(r.oidc));
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
