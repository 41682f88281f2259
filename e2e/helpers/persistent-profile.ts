import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from '@playwright/test';
import { chromiumLaunchOptions } from '../browser';
import { baseUrl } from '../server-env';

/** Launches Chromium on the profile; each call is a fresh browser start on the same disk state. */
export type LaunchProfile = () => Promise<BrowserContext>;

/**
 * Runs `fn` with a new, empty Chromium profile on disk (a real browser's storage, unlike a
 * test context's). Every browser `fn` launched and left open is closed, then the profile is deleted.
 */
export async function withPersistentProfile<T>(fn: (launch: LaunchProfile) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'broker-profile-'));
  const launched: BrowserContext[] = [];
  const launch: LaunchProfile = async () => {
    const context = await chromium.launchPersistentContext(profile, { ...chromiumLaunchOptions(), headless: true, baseURL: baseUrl() });
    launched.push(context);
    return context;
  };
  try {
    return await fn(launch);
  } finally {
    // close() on an already closed context resolves at once.
    await Promise.all(launched.map((context) => context.close()));
    rmSync(profile, { recursive: true, force: true });
  }
}
