import type { Browser } from '@playwright/test';
import { appPage, concurrent, sequential, tokenPage } from './clients.ts';
import type { BenchServers } from './servers.ts';
import { summary, type Summary } from './statistics.ts';

/** The four ways of calling GET /api/me that the overhead is measured on. */
export type Variant = 'a' | 'b' | 'c' | 'd';

export const VARIANTS: Record<Variant, string> = {
  a: 'no worker',
  b: 'pass-through worker',
  c: 'broker with DPoP',
  d: 'broker with Bearer',
};

/** Per-request latency (sequential) and the time until 100 concurrent requests are all answered, per variant. */
export interface Overhead {
  sequential: Record<Variant, Summary>;
  concurrent100: Record<Variant, Summary>;
}

const BATCH = 20;
const CONCURRENT = 100;

/**
 * One run: signs in on each variant's origin in a fresh context, then `rounds` rounds (after two
 * for warm-up) of BATCH sequential requests and CONCURRENT at once per variant, the order
 * rotating each round so that no variant always goes first.
 */
export async function measureOverhead(browser: Browser, servers: BenchServers, rounds: number): Promise<Overhead> {
  const context = await browser.newContext();
  try {
    const broker = await appPage(context, servers.app);
    const bearerBroker = await appPage(context, servers.bearerApp);
    const plain = await tokenPage(context, servers.plain);
    const passthrough = await tokenPage(context, servers.passthrough, '/passthrough-sw.js');
    const run: Record<Variant, { sequential: () => Promise<number[]>; concurrent: () => Promise<number> }> = {
      a: {
        sequential: () => sequential(plain.page, BATCH, `Bearer ${plain.token}`),
        concurrent: () => concurrent(plain.page, CONCURRENT, `Bearer ${plain.token}`),
      },
      b: {
        sequential: () => sequential(passthrough.page, BATCH, `Bearer ${passthrough.token}`),
        concurrent: () => concurrent(passthrough.page, CONCURRENT, `Bearer ${passthrough.token}`),
      },
      c: { sequential: () => sequential(broker, BATCH), concurrent: () => concurrent(broker, CONCURRENT) },
      d: { sequential: () => sequential(bearerBroker, BATCH), concurrent: () => concurrent(bearerBroker, CONCURRENT) },
    };
    const keys = Object.keys(VARIANTS) as Variant[];
    const seq: Record<Variant, number[]> = { a: [], b: [], c: [], d: [] };
    const conc: Record<Variant, number[]> = { a: [], b: [], c: [], d: [] };
    for (let round = -2; round < rounds; round += 1) {
      const order = keys.map((_, i) => keys[(i + round + keys.length) % keys.length] as Variant);
      for (const key of order) {
        const times = await run[key].sequential();
        const wall = await run[key].concurrent();
        if (round < 0) continue; // warm-up
        seq[key].push(...times);
        conc[key].push(wall);
      }
    }
    const summarize = (samples: Record<Variant, number[]>): Record<Variant, Summary> => ({
      a: summary(samples.a),
      b: summary(samples.b),
      c: summary(samples.c),
      d: summary(samples.d),
    });
    return { sequential: summarize(seq), concurrent100: summarize(conc) };
  } finally {
    await context.close();
  }
}

/** The ratios the targets are set on, for one run. */
export function overheadRatios(o: Overhead): Record<string, number> {
  return {
    'sequential p50 d/b': o.sequential.d.p50 / o.sequential.b.p50,
    'sequential p95 d/b': o.sequential.d.p95 / o.sequential.b.p95,
    'concurrent p50 d/b': o.concurrent100.d.p50 / o.concurrent100.b.p50,
    'sequential p50 c/b': o.sequential.c.p50 / o.sequential.b.p50,
    'sequential p95 c/b': o.sequential.c.p95 / o.sequential.b.p95,
    'concurrent p50 c/b': o.concurrent100.c.p50 / o.concurrent100.b.p50,
    'sequential p50 b/a': o.sequential.b.p50 / o.sequential.a.p50,
    'concurrent p50 b/a': o.concurrent100.b.p50 / o.concurrent100.a.p50,
  };
}
