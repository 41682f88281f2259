import { existsSync } from 'node:fs';
import { chromium, type LaunchOptions } from '@playwright/test';

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

// Flags for a headless browser on a closed, shared machine: no background traffic, no GPU.
const QUIET_FLAGS = ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Playwright's own Chromium where it is installed, otherwise a system one (CHROMIUM_PATH or
 * the usual Debian/Ubuntu paths); throws with the exact command to run when there is none.
 */
export function chromiumExecutable(): string | undefined {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override} does not exist.`);
    return override;
  }
  if (existsSync(chromium.executablePath())) return undefined;
  const system = SYSTEM_CHROMIUMS.find((path) => existsSync(path));
  if (system) return system;
  throw new Error(
    'No Chromium for Playwright. Install one of:\n' +
      '  npx playwright install chromium            (where downloads are allowed)\n' +
      '  sudo apt-get update && sudo apt-get install -y chromium   (Debian/Ubuntu)\n' +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** Launch options shared by the config and by tests that launch a persistent profile. */
export function chromiumLaunchOptions(): LaunchOptions {
  const executablePath = chromiumExecutable();
  // Chromium refuses to run as root with its sandbox on.
  const args = process.getuid?.() === 0 ? ['--no-sandbox', ...QUIET_FLAGS] : QUIET_FLAGS;
  return executablePath ? { executablePath, args } : { args };
}
