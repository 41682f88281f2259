import type { Page } from '@playwright/test';

/**
 * Stops every service worker, as the browser does to idle ones (their memory goes with
 * them), and resolves once CDP reports every worker version stopped.
 */
export async function stopAllWorkers(page: Page, timeoutMs = 10_000): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const running = new Map<string, string>();
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const version of versions) running.set(version.versionId, version.runningStatus);
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  const deadline = Date.now() + timeoutMs;
  while ([...running.values()].some((status) => status !== 'stopped')) {
    if (Date.now() > deadline) throw new Error(`workers still running: ${JSON.stringify([...running])}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await cdp.detach();
}
