/**
 * What static routing does for a repeat visit. Three variants of the same production app, each on
 * its own origin: the worker with static routing (`routed`), the same worker built with
 * VITE_STATIC_ROUTING=off (`unrouted`), and no worker at all (`noWorker`: the static-routing build
 * in a browser context that blocks service workers). Each visit opens a fresh page of a context
 * that has signed in (where a worker can) and visited once before, and records from navigation
 * start the first contentful paint and the moment the app's first `h1` appears. Variants are
 * interleaved round by round, with the worker warm or stopped just before (a real repeat visit
 * usually finds it stopped), on loopback and with every response held back by a network latency.
 * Then, what static routing is for: a request outside the worker's URLs, timed from the page with
 * the worker stopped and running. `npx tsx e2e/bench/static-routing.ts` runs both alone and prints
 * the tables (BENCH_ROUNDS rounds).
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from '@playwright/test';
import { chromiumLaunchOptions } from '../browser.ts';
import { buildVariant } from './build-variant.ts';
import { appPage } from './clients.ts';
import { stopAllWorkers } from '../workers.ts';
import { DIST } from '../../mock-api/node-config.ts';
import { startDistOrigin, type DistOrigin } from './servers.ts';
import { fixed, quantile, summary, type Summary } from './statistics.ts';

export const VARIANTS = ['routed', 'unrouted', 'noWorker'] as const;
export type Variant = (typeof VARIANTS)[number];

/** The state a visit starts from. */
export interface Condition {
  /** `warm`: the worker ran the visit before; `cold`: `ServiceWorker.stopAllWorkers` just stopped it. */
  worker: 'warm' | 'cold';
  /** How long every response of the origin is held back, ms (0: loopback). */
  latencyMs: number;
}

/** The four conditions measured by default: warm and cold, on loopback and at 40 ms. */
export const CONDITIONS: readonly Condition[] = [
  { worker: 'warm', latencyMs: 0 },
  { worker: 'cold', latencyMs: 0 },
  { worker: 'warm', latencyMs: 40 },
  { worker: 'cold', latencyMs: 40 },
];

/** One repeat visit's times from navigation start, ms. */
interface Visit {
  fcp: number;
  h1: number;
  /** The heading's text (the signed-in home page, or the app saying that no worker protects it). */
  heading: string;
  /** Same-origin responses the worker answered, out of all. */
  fromWorker: number;
  responses: number;
}

/** One variant under one condition. */
export interface VariantResult {
  fcp: Summary;
  h1: Summary;
  heading: string;
  /** Share of the visits' same-origin responses that the worker answered. */
  fromWorker: number;
}

/** One condition: each variant's p50 / p95, and ratios of p50s (and the median of per-round ratios). */
export interface RepeatVisitResult {
  condition: Condition;
  variants: Record<Variant, VariantResult>;
  /** `routed` / `noWorker`, `unrouted` / `noWorker` and `routed` / `unrouted`, for FCP and the h1. */
  ratios: Record<
    'routedToNoWorker' | 'unroutedToNoWorker' | 'routedToUnrouted',
    { fcp: number; h1: number; perRoundFcp: number; perRoundH1: number }
  >;
}

/** Builds the production app with VITE_STATIC_ROUTING=off into a temporary folder (the caller removes it). */
export function buildWithoutStaticRouting(): string {
  return buildVariant('no-static-routing', { VITE_STATIC_ROUTING: 'off' });
}

// Runs before the app's scripts: when the first h1 appears, in the page's own clock.
function recordFirstHeading(): void {
  const state = window as unknown as { h1At?: number; h1Text?: string };
  new MutationObserver((_, observer) => {
    const heading = document.querySelector('h1');
    if (!heading) return;
    state.h1At = performance.now();
    state.h1Text = heading.textContent ?? '';
    observer.disconnect();
  }).observe(document, { childList: true, subtree: true });
}

/** A context for `variant` of `origin` that has visited once (signed in, where a worker can sign in). */
async function preparedContext(browser: Browser, variant: Variant, origin: string): Promise<BrowserContext> {
  const context = await browser.newContext({ serviceWorkers: variant === 'noWorker' ? 'block' : 'allow' });
  await context.addInitScript(recordFirstHeading);
  let page: Page;
  if (variant === 'noWorker') {
    page = await context.newPage();
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { h1At?: number }).h1At !== undefined);
  } else page = await appPage(context, { url: origin });
  await page.close();
  return context;
}

/** One repeat visit of `origin`'s home page in a fresh page of `context`. */
async function visit(context: BrowserContext, origin: string, cold: boolean): Promise<Visit> {
  const page: Page = await context.newPage();
  try {
    if (cold) await stopAllWorkers(page);
    const answered: boolean[] = [];
    page.on('response', (response: Response) => {
      if (response.url().startsWith(`${origin}/`) && response.request().serviceWorker() === null)
        answered.push(response.fromServiceWorker());
    });
    await page.goto(`${origin}/`, { waitUntil: 'load' });
    await page.waitForFunction(
      () =>
        (window as unknown as { h1At?: number }).h1At !== undefined &&
        performance.getEntriesByType('paint').some((entry) => entry.name === 'first-contentful-paint'),
    );
    const times = await page.evaluate(() => {
      const state = window as unknown as { h1At: number; h1Text: string };
      const fcp = performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint');
      return { fcp: fcp?.startTime ?? Number.NaN, h1: state.h1At, heading: state.h1Text };
    });
    return { ...times, fromWorker: answered.filter(Boolean).length, responses: answered.length };
  } finally {
    await page.close();
  }
}

const ratio = (a: readonly number[], b: readonly number[]): number => quantile(a, 0.5) / quantile(b, 0.5);
const perRound = (a: readonly number[], b: readonly number[]): number =>
  quantile(
    a.map((value, index) => value / (b[index] ?? Number.NaN)),
    0.5,
  );

/**
 * Measures repeat visits of the three variants under each condition, `rounds` interleaved rounds
 * each (after `warmUp` rounds not counted), and returns p50 / p95 and ratios per condition. The
 * origins' latency is set here; it is 0 again afterwards.
 */
export async function measureRepeatVisit(
  browser: Browser,
  origins: Record<Variant, Pick<DistOrigin, 'url' | 'setLatency'>>,
  { rounds = 15, warmUp = 2, conditions = CONDITIONS }: { rounds?: number; warmUp?: number; conditions?: readonly Condition[] } = {},
): Promise<RepeatVisitResult[]> {
  const contexts = {} as Record<Variant, BrowserContext>;
  for (const variant of VARIANTS) contexts[variant] = await preparedContext(browser, variant, origins[variant].url);
  const results: RepeatVisitResult[] = [];
  try {
    for (const condition of conditions) {
      for (const variant of VARIANTS) origins[variant].setLatency(condition.latencyMs);
      const samples = Object.fromEntries(VARIANTS.map((variant) => [variant, [] as Visit[]])) as Record<Variant, Visit[]>;
      for (let round = -warmUp; round < rounds; round += 1) {
        // Rotate which variant goes first: neighbours in time share the machine's load of the moment.
        const order = VARIANTS.map((_, index) => VARIANTS[(index + round + warmUp) % VARIANTS.length] as Variant);
        for (const variant of order) {
          const result = await visit(contexts[variant], origins[variant].url, condition.worker === 'cold');
          if (round >= 0) samples[variant].push(result);
        }
      }
      const times = (variant: Variant, metric: 'fcp' | 'h1'): number[] => samples[variant].map((sample) => sample[metric]);
      const variants = Object.fromEntries(
        VARIANTS.map((variant) => {
          const visits = samples[variant];
          const responses = visits.reduce((sum, sample) => sum + sample.responses, 0);
          return [
            variant,
            {
              fcp: summary(times(variant, 'fcp')),
              h1: summary(times(variant, 'h1')),
              heading: visits[0]?.heading ?? '',
              fromWorker: visits.reduce((sum, sample) => sum + sample.fromWorker, 0) / Math.max(1, responses),
            },
          ];
        }),
      ) as Record<Variant, VariantResult>;
      const compare = (a: Variant, b: Variant) => ({
        fcp: ratio(times(a, 'fcp'), times(b, 'fcp')),
        h1: ratio(times(a, 'h1'), times(b, 'h1')),
        perRoundFcp: perRound(times(a, 'fcp'), times(b, 'fcp')),
        perRoundH1: perRound(times(a, 'h1'), times(b, 'h1')),
      });
      results.push({
        condition,
        variants,
        ratios: {
          routedToNoWorker: compare('routed', 'noWorker'),
          unroutedToNoWorker: compare('unrouted', 'noWorker'),
          routedToUnrouted: compare('routed', 'unrouted'),
        },
      });
    }
  } finally {
    for (const variant of VARIANTS) origins[variant].setLatency(0);
    await Promise.all(VARIANTS.map((variant) => contexts[variant].close()));
  }
  return results;
}

/** A request outside the worker's URLs, timed from the page: p50 / p95 per worker variant, and their ratio. */
export interface OutsideRequestResult {
  condition: Condition;
  routed: Summary;
  unrouted: Summary;
  /** `routed` p50 / `unrouted` p50, and the median of per-round ratios. */
  ratio: number;
  perRound: number;
}

/** A same-origin URL that the mock API serves and no worker rule covers. */
const OUTSIDE = '/.well-known/jwks.json';

/**
 * Times a page's request to a same-origin URL outside the worker's (the mock API's JWKS) with and
 * without static routing, the worker just stopped (`cold`) or just used (`warm`), `rounds`
 * interleaved rounds per condition: what never waking the worker saves on each such request.
 */
export async function measureOutsideRequest(
  browser: Browser,
  origins: Record<'routed' | 'unrouted', Pick<DistOrigin, 'url' | 'setLatency'>>,
  { rounds = 15, warmUp = 2, conditions = CONDITIONS }: { rounds?: number; warmUp?: number; conditions?: readonly Condition[] } = {},
): Promise<OutsideRequestResult[]> {
  const variants = ['routed', 'unrouted'] as const;
  const contexts = {} as Record<(typeof variants)[number], BrowserContext>;
  const pages = {} as Record<(typeof variants)[number], Page>;
  for (const variant of variants) {
    contexts[variant] = await preparedContext(browser, variant, origins[variant].url);
    pages[variant] = await contexts[variant].newPage();
    await pages[variant].goto(`${origins[variant].url}/`);
    await pages[variant].getByRole('heading', { name: /Welcome/ }).waitFor();
  }
  const results: OutsideRequestResult[] = [];
  try {
    for (const condition of conditions) {
      for (const variant of variants) origins[variant].setLatency(condition.latencyMs);
      const samples = { routed: [] as number[], unrouted: [] as number[] };
      for (let round = -warmUp; round < rounds; round += 1) {
        for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
          const page = pages[variant];
          if (condition.worker === 'cold') await stopAllWorkers(page);
          else await page.evaluate(() => fetch('/api/me').then((response) => response.arrayBuffer()));
          const ms = await page.evaluate(async (url) => {
            const start = performance.now();
            await (await fetch(url, { cache: 'no-store' })).arrayBuffer();
            return performance.now() - start;
          }, OUTSIDE);
          if (round >= 0) samples[variant].push(ms);
        }
      }
      results.push({
        condition,
        routed: summary(samples.routed),
        unrouted: summary(samples.unrouted),
        ratio: ratio(samples.routed, samples.unrouted),
        perRound: perRound(samples.routed, samples.unrouted),
      });
    }
  } finally {
    for (const variant of variants) origins[variant].setLatency(0);
    await Promise.all(variants.map((variant) => contexts[variant].close()));
  }
  return results;
}

/** The outside-request results as Markdown table lines. */
export function outsideRequestTable(results: readonly OutsideRequestResult[]): string[] {
  const pair = (value: Summary): string => `${fixed(value.p50, 1)} / ${fixed(value.p95, 1)}`;
  return [
    `| GET ${OUTSIDE} from a signed-in page: worker, latency | static routing p50 / p95 ms | no static routing p50 / p95 ms | ratio of p50s (median per round) |`,
    '| --- | --- | --- | --- |',
    ...results.map(
      ({ condition, routed, unrouted, ratio: value, perRound: rounds }) =>
        `| ${condition.worker}, ${condition.latencyMs} ms | ${pair(routed)} | ${pair(unrouted)} | ${fixed(value)} (${fixed(rounds)}) |`,
    ),
  ];
}

const LABEL: Record<Variant, string> = { routed: 'worker, static routing', unrouted: 'worker, no static routing', noWorker: 'no worker' };

/** The results as Markdown table lines. */
export function repeatVisitTable(results: readonly RepeatVisitResult[]): string[] {
  const pair = (value: Summary): string => `${fixed(value.p50, 1)} / ${fixed(value.p95, 1)}`;
  const lines = [
    '| repeat visit of / (signed in) | worker | latency | FCP p50 / p95 ms | first h1 p50 / p95 ms | answered by the worker |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const { condition, variants } of results) {
    for (const variant of VARIANTS) {
      const result = variants[variant];
      lines.push(
        `| ${LABEL[variant]} ("${result.heading}") | ${variant === 'noWorker' ? '-' : condition.worker} | ${condition.latencyMs} ms | ${pair(result.fcp)} | ${pair(result.h1)} | ${Math.round(result.fromWorker * 100)} % |`,
      );
    }
  }
  lines.push('', '| ratios of p50s (median of per-round ratios) | worker | latency | FCP | first h1 |', '| --- | --- | --- | --- | --- |');
  for (const { condition, ratios } of results) {
    for (const [name, value] of Object.entries(ratios)) {
      const label = {
        routedToNoWorker: 'static routing / no worker',
        unroutedToNoWorker: 'no static routing / no worker',
        routedToUnrouted: 'static routing / no static routing',
      }[name];
      lines.push(
        `| ${label} | ${condition.worker} | ${condition.latencyMs} ms | ${fixed(value.fcp)} (${fixed(value.perRoundFcp)}) | ${fixed(value.h1)} (${fixed(value.perRoundH1)}) |`,
      );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const unroutedDist = buildWithoutStaticRouting();
  const origins = {
    routed: await startDistOrigin(DIST),
    unrouted: await startDistOrigin(unroutedDist),
    noWorker: await startDistOrigin(DIST),
  };
  const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
  try {
    const loadBefore = loadavg()[0] ?? Number.NaN;
    const results = await measureRepeatVisit(browser, origins, { rounds });
    const outside = await measureOutsideRequest(browser, origins, { rounds });
    const loadAfter = loadavg()[0] ?? Number.NaN;
    console.log(
      [
        `Static routing | Chromium ${browser.version()} | Node ${process.version} | ${cpus().length} CPUs, load ${fixed(loadBefore, 1)} -> ${fixed(loadAfter, 1)} | ${rounds} interleaved rounds per condition`,
        '',
        ...repeatVisitTable(results),
        '',
        ...outsideRequestTable(outside),
      ].join('\n'),
    );
  } finally {
    await browser.close();
    await Promise.all(Object.values(origins).map((origin) => origin.close()));
    rmSync(unroutedDist, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
