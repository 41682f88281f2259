import type { Browser } from '@playwright/test';
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

/** Signs in, then `rounds` times: 3 warm requests, stop every worker (CDP), 1 request. */
export async function measureColdStart(browser: Browser, origin: Origin, rounds: number): Promise<ColdStartResult> {
  const context = await browser.newContext();
  try {
    const page = await appPage(context, origin);
    const spans: { start: number; end: number }[] = [];
    let refreshStart = 0;
    const isRefresh = (request: { serviceWorker(): unknown; url(): string }): boolean =>
      request.serviceWorker() !== null && request.url().endsWith('/auth/refresh');
    context.on('request', (request) => {
      if (isRefresh(request)) refreshStart = Date.now();
    });
    context.on('requestfinished', (request) => {
      if (isRefresh(request)) spans.push({ start: refreshStart, end: Date.now() });
    });
    const warm: number[] = [];
    const cold: number[] = [];
    const untilRefresh: number[] = [];
    const refresh: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      warm.push(...(await sequential(page, 3)));
      await stopAllWorkers(page);
      spans.length = 0;
      const started = Date.now();
      cold.push((await sequential(page, 1))[0] ?? Number.NaN);
      const span = spans[0];
      if (span) {
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
    await context.close();
  }
}
