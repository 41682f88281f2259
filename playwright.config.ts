import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/browser';
import { freePort } from './e2e/free-port';
import { ACCESS_TTL_SECONDS, baseUrl } from './e2e/server-env';

// Chosen once in the runner; workers inherit it through the environment.
process.env.E2E_PORT ??= String(await freePort());

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // One server with shared counters (/__mock/stats): tests run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: baseUrl(),
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions(),
    serviceWorkers: 'allow',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'npx tsx mock-api/server.ts',
    url: `${baseUrl()}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      PORT: process.env.E2E_PORT,
      ACCESS_TTL: String(ACCESS_TTL_SECONDS),
      MOCK_CONTROLS: '1',
    },
  },
});
