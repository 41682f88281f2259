/**
 * Where the worker's time goes, from timestamps taken inside it (a VITE_SW_PROFILE=on build, see
 * worker-profile/profile.ts): per warm request, and from a stopped worker to the first response.
 * Part of `npm run bench`; `npx tsx e2e/bench/profile.ts` runs it alone.
 */
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { createServices } from '../../mock-api/app.ts';
import { mockApiConfig } from '../../mock-api/config.ts';
import { nodeMockApiApp } from '../../mock-api/node-app.ts';
import { chromiumLaunchOptions } from '../browser.ts';
import { serveOnFreePort } from '../fixtures/serve-on-free-port.ts';
import { stopAllWorkers } from '../workers.ts';
import { buildVariant } from './build-variant.ts';
import { appPage } from './clients.ts';
import { summary, type Summary } from './statistics.ts';
import type { ProfileEvent, WorkerProfile } from './worker-profile/events.ts';

/** Per warm request, ms inside the worker. */
export interface RequestProfile {
  /** Fetch event until the broker's own fetch starts: routing, token, headers, proof. */
  before: Summary;
  /** Of which the DPoP signature (WebCrypto sign). */
  sign: Summary;
  /** The broker's fetch until its response (headers) arrives. */
  network: Summary;
  /** That response until the page's respondWith promise settles. */
  after: Summary;
}

/** One cold start, ms from the page's fetch: when each step began (undefined when it did not happen). */
export type ColdStart = Record<
  | 'scriptStart'
  | 'scriptEnd'
  | 'fetchEvent'
  | 'sessionRead'
  | 'sessionReadDone'
  | 'lockGranted'
  | 'keyRead'
  | 'keyReadDone'
  | 'refreshStart'
  | 'refreshEnd'
  | 'apiStart'
  | 'apiEnd'
  | 'responded'
  | 'pageGotResponse',
  number | undefined
>;

export interface ProfileResult {
  requests: RequestProfile;
  /** Each cold start's timeline, and the median of each step. */
  coldStarts: ColdStart[];
  coldStartMedian: Record<keyof ColdStart, number>;
}

const API = '/api/me';

async function profileOf(context: BrowserContext, origin: string): Promise<WorkerProfile> {
  const worker = await waitForWorker(context, origin);
  return worker.evaluate(() => (self as unknown as { __profile: WorkerProfile }).__profile);
}

async function waitForWorker(context: BrowserContext, origin: string): Promise<Worker> {
  for (let tries = 0; tries < 100; tries += 1) {
    const worker = context
      .serviceWorkers()
      .filter((candidate) => candidate.url().startsWith(origin))
      .at(-1);
    if (worker) return worker;
    await context.waitForEvent('serviceworker', { timeout: 5_000 }).catch(() => undefined);
  }
  throw new Error(`no service worker for ${origin}`);
}

/** The first event of `kind` (on `path`, when given) at or after `from`. */
function next(events: readonly ProfileEvent[], from: number, kind: ProfileEvent['kind'], path?: string): ProfileEvent | undefined {
  return events.find((event) => event.t >= from && event.kind === kind && (path === undefined || event.path === path));
}

/** Splits each warm request to `API` into its phases. */
export function requestPhases(events: readonly ProfileEvent[]): Record<keyof RequestProfile, number[]> {
  const phases: Record<keyof RequestProfile, number[]> = { before: [], sign: [], network: [], after: [] };
  for (const event of events) {
    if (event.kind !== 'fetch-event' || event.path !== API) continue;
    const start = next(events, event.t, 'fetch-start', API);
    const end = start && next(events, start.t, 'fetch-end', API);
    const responded = end && next(events, end.t, 'responded', API);
    if (!start || !end || !responded) continue;
    const signStart = next(events, event.t, 'sign-start');
    const signEnd = signStart && next(events, signStart.t, 'sign-end');
    phases.before.push(start.t - event.t);
    if (signStart && signEnd && signEnd.t <= start.t) phases.sign.push(signEnd.t - signStart.t);
    phases.network.push(end.t - start.t);
    phases.after.push(responded.t - end.t);
  }
  return phases;
}

/** A cold start's steps on the page's clock, from a fresh worker's profile. */
export function coldStartSteps(profile: WorkerProfile, pageFetchAt: number, pageGotAt: number): ColdStart {
  const { events } = profile;
  const at = (event: ProfileEvent | undefined): number | undefined =>
    event === undefined ? undefined : profile.timeOrigin + event.t - pageFetchAt;
  const fetchEvent = next(events, 0, 'fetch-event', API);
  const from = fetchEvent?.t ?? 0;
  const refreshStart = next(events, from, 'fetch-start', '/auth/refresh');
  const apiStart = next(events, from, 'fetch-start', API);
  const apiEnd = apiStart && next(events, apiStart.t, 'fetch-end', API);
  return {
    scriptStart: at(next(events, 0, 'script-start')),
    scriptEnd: at(next(events, 0, 'script-end')),
    fetchEvent: at(fetchEvent),
    sessionRead: at(next(events, 0, 'idb-get', 'session')),
    sessionReadDone: at(next(events, 0, 'idb-got', 'session')),
    lockGranted: at(next(events, 0, 'lock-granted')),
    keyRead: at(next(events, 0, 'idb-get', 'dpop-key')),
    keyReadDone: at(next(events, 0, 'idb-got', 'dpop-key')),
    refreshStart: at(refreshStart),
    refreshEnd: at(refreshStart && next(events, refreshStart.t, 'fetch-end', '/auth/refresh')),
    apiStart: at(apiStart),
    apiEnd: at(apiEnd),
    responded: at(apiEnd && next(events, apiEnd.t, 'responded', API)),
    pageGotResponse: pageGotAt - pageFetchAt,
  };
}

/** One GET from the page, with the page's absolute times of the call and of the answer. */
function timedFetch(page: Page): Promise<{ fetchAt: number; gotAt: number }> {
  return page.evaluate(async (url) => {
    const fetchAt = performance.timeOrigin + performance.now();
    const response = await fetch(url);
    const gotAt = performance.timeOrigin + performance.now();
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`status ${response.status}`);
    return { fetchAt, gotAt };
  }, API);
}

/** Signs in on `origin`'s app, runs `requests` warm GETs and `coldStarts` cold ones, and reads the worker's timestamps. */
export async function profileWorker(browser: Browser, origin: string, requests: number, coldStarts: number): Promise<ProfileResult> {
  const context = await browser.newContext();
  try {
    const page = await appPage(context, { url: origin });

    for (let i = 0; i < requests; i += 1) await timedFetch(page);
    const phases = requestPhases((await profileOf(context, origin)).events);

    const starts: ColdStart[] = [];
    for (let i = 0; i < coldStarts; i += 1) {
      await timedFetch(page);
      await stopAllWorkers(page);
      const { fetchAt, gotAt } = await timedFetch(page);
      starts.push(coldStartSteps(await profileOf(context, origin), fetchAt, gotAt));
    }
    const keys = Object.keys(starts[0] ?? {}) as (keyof ColdStart)[];
    const median = Object.fromEntries(
      keys.map((key) => [key, summary(starts.flatMap((start) => (start[key] === undefined ? [] : [start[key]]))).p50]),
    ) as Record<keyof ColdStart, number>;
    return {
      requests: {
        before: summary(phases.before),
        sign: summary(phases.sign),
        network: summary(phases.network),
        after: summary(phases.after),
      },
      coldStarts: starts,
      coldStartMedian: median,
    };
  } finally {
    await context.close();
  }
}

/** Builds the profiling variant, serves it with a mock API of its own, and profiles it. */
export async function runProfile(browser: Browser, requests: number, coldStarts: number): Promise<ProfileResult> {
  const dist = buildVariant('profile', { VITE_SW_PROFILE: 'on' });
  const api = await createServices(mockApiConfig({ accessTtl: 300, controls: true }));
  const server = await serveOnFreePort(nodeMockApiApp(api, { dist }));
  try {
    return await profileWorker(browser, server.url, requests, coldStarts);
  } finally {
    await server.close();
    rmSync(dist, { recursive: true, force: true });
  }
}

/** The profile as table lines. */
export function printProfile(result: ProfileResult): string[] {
  const r = result.requests;
  const row = (name: string, s: Summary): string => `| ${name} | ${s.p50.toFixed(3)} | ${s.p95.toFixed(3)} | ${s.n} |`;
  const lines = [
    'Inside the worker, per warm GET /api/me (ms; VITE_SW_PROFILE=on build)',
    '| phase | p50 | p95 | n |',
    '| --- | --- | --- | --- |',
    row('fetch event -> broker fetch starts (routing, token, headers, proof)', r.before),
    row('  of which the DPoP signature', r.sign),
    row('broker fetch -> response headers (network + server)', r.network),
    row('response -> respondWith settles', r.after),
    '',
    'Cold start, ms after the page called fetch (median of each step)',
  ];
  const median = result.coldStartMedian;
  lines.push(
    Object.entries(median)
      .map(([key, value]) => `${key} ${Number.isFinite(value) ? value.toFixed(1) : 'n/a'}`)
      .join(' | '),
  );
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
  try {
    const result = await runProfile(browser, Number(process.env.PROFILE_REQUESTS ?? 200), Number(process.env.PROFILE_COLD ?? 10));
    console.log(printProfile(result).join('\n'));
  } finally {
    await browser.close();
  }
}
