import type { Browser, BrowserContext, Page, Request } from '@playwright/test';
import { stopAllWorkers } from '../workers.ts';
import { appPage, sequential } from './clients.ts';
import type { Origin } from './servers.ts';
import { summary, type Summary } from './statistics.ts';

/** The first authorized response after the worker was stopped, against warm ones, ms. */
export interface ColdStartResult {
  warm: Summary;
  cold: Summary;
  /** From the page's call until the worker's refresh request is seen leaving. */
  untilRefreshStarts: Summary;
  /** The refresh request itself. */
  refresh: Summary;
  /** cold p50 / warm p50. */
  ratio: number;
  /** cold p50 - (warm p50 + refresh p50): what a cold start costs beyond its one refresh (target <= 10 ms). */
  beyondRefresh: number;
}

/** Signs in through the app's form, then measures as {@link measureColdStartOn} does, the refresh being `POST /auth/refresh`. */
export async function measureColdStart(browser: Browser, origin: Origin, rounds: number): Promise<ColdStartResult> {
  const context = await browser.newContext();
  try {
    const page = await appPage(context, origin);
    return await measureColdStartOn(page, (request) => request.url().endsWith('/auth/refresh'), rounds);
  } finally {
    await context.close();
  }
}

/**
 * On a signed-in `page`, `rounds` times: 3 warm requests, stop every worker (CDP), 1 request. The
 * refresh is the first worker request `isRefresh` picks after the stop, until the last one it
 * picks has finished (a DPoP nonce challenge and its retry count as one refresh).
 */
export async function measureColdStartOn(page: Page, isRefresh: (request: Request) => boolean, rounds: number): Promise<ColdStartResult> {
  const context: BrowserContext = page.context();
  // Set by the listeners, read by the loop (an object, so that TypeScript does not narrow it away).
  const seen: { span?: { start: number; end: number } } = {};
  const picks = (request: Request): boolean => request.serviceWorker() !== null && isRefresh(request);
  const onRequest = (request: Request): void => {
    if (picks(request)) seen.span ??= { start: Date.now(), end: Number.NaN };
  };
  const onFinished = (request: Request): void => {
    if (picks(request) && seen.span) seen.span.end = Date.now();
  };
  context.on('request', onRequest);
  context.on('requestfinished', onFinished);
  try {
    const warm: number[] = [];
    const cold: number[] = [];
    const untilRefresh: number[] = [];
    const refresh: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      warm.push(...(await sequential(page, 3)));
      await stopAllWorkers(page);
      delete seen.span;
      const started = Date.now();
      cold.push((await sequential(page, 1))[0] ?? Number.NaN);
      const span = seen.span as { start: number; end: number } | undefined; // set by the listeners meanwhile
      if (span && Number.isFinite(span.end)) {
        untilRefresh.push(span.start - started);
        refresh.push(span.end - span.start);
      }
    }
    const result = { warm: summary(warm), cold: summary(cold), untilRefreshStarts: summary(untilRefresh), refresh: summary(refresh) };
    return {
      ...result,
      ratio: result.cold.p50 / result.warm.p50,
      beyondRefresh: result.cold.p50 - result.warm.p50 - result.refresh.p50,
    };
  } finally {
    context.off('request', onRequest);
    context.off('requestfinished', onFinished);
  }
}
