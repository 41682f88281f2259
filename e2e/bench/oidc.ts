/**
 * What the `oidc` adapter costs: the size of a worker built with it, and its cold start (a
 * stopped worker's first request: the refresh token from IndexedDB, a DPoP nonce challenge and
 * the refresh at the provider) against warm requests, on the demo built for a local provider.
 * Part of `npm run bench`; alone: `npx tsx e2e/bench/oidc.ts`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { startOidcStack } from '../../mock-oidc/index.ts';
import { chromiumLaunchOptions } from '../browser.ts';
import { signInAtProvider } from '../helpers/provider-sign-in.ts';
import { measureColdStartOn, type ColdStartResult } from './cold-start.ts';
import { fixed, spread } from './statistics.ts';

export interface OidcBenchResult {
  /** dist/sw.js of the build for the provider. */
  sw: { raw: number; gzip: number };
  coldStart: ColdStartResult[];
}

/** Builds the demo for a local provider, then `runs` times signs in there and measures `rounds` cold starts. */
export async function measureOidc(browser: Browser, { runs, rounds }: { runs: number; rounds: number }): Promise<OidcBenchResult> {
  const distDir = mkdtempSync(join(tmpdir(), 'bench-oidc-'));
  const stack = await startOidcStack({ distDir, build: { quiet: true } });
  try {
    const bytes = readFileSync(join(distDir, 'sw.js'));
    const discovery = (await (await fetch(`${stack.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
    const coldStart: ColdStartResult[] = [];
    for (let run = 0; run < runs; run += 1) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await signInAtProvider(page, stack.appOrigin);
        await page.getByRole('heading', { name: /Welcome/ }).waitFor();
        const isRefresh = (request: { url(): string; postData(): string | null }): boolean =>
          request.url() === discovery.token_endpoint && (request.postData() ?? '').includes('grant_type=refresh_token');
        coldStart.push(await measureColdStartOn(page, isRefresh, rounds));
      } finally {
        await context.close();
      }
    }
    return { sw: { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }, coldStart };
  } finally {
    await stack.close();
    rmSync(distDir, { recursive: true, force: true });
  }
}

/** The result as lines for the bench's output. */
export function oidcTable(result: OidcBenchResult): string[] {
  const range = (values: number[]): string => {
    const s = spread(values);
    return `${fixed(s.median, 1)} (${fixed(s.min, 1)}-${fixed(s.max, 1)})`;
  };
  const runs = result.coldStart;
  return [
    'OpenID Connect (the oidc adapter, demo built for a local oidc-provider): p50 per run, median (range), ms',
    `  sw.js ${(result.sw.raw / 1024).toFixed(1)} KB raw, ${(result.sw.gzip / 1024).toFixed(1)} KB gzip`,
    `  cold start: first response ${range(runs.map((c) => c.cold.p50))} vs warm ${range(runs.map((c) => c.warm.p50))}; ` +
      `the refresh leaves ${range(runs.map((c) => c.untilRefreshStarts.p50))} after the page's call and takes ` +
      `${range(runs.map((c) => c.refresh.p50))} at the provider (nonce challenge + grant); ` +
      `beyond warm + refresh ${range(runs.map((c) => c.beyondRefresh))}`,
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
  try {
    const result = await measureOidc(browser, {
      runs: Number(process.env.BENCH_RUNS ?? 3),
      rounds: Number(process.env.BENCH_ROUNDS ?? 10),
    });
    console.log(oidcTable(result).join('\n'));
  } finally {
    await browser.close();
  }
}
