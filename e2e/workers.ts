import type { Page } from '@playwright/test';

/**
 * Stops every service worker, as the browser does to idle ones (their memory goes with
 * them), and resolves once CDP has reported each running worker version stopped (it may
 * start again at once for the next request).
 */
export async function stopAllWorkers(page: Page, timeoutMs = 10_000): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const status = new Map<string, string>();
  const stoppedSince = new Set<string>();
  let stopping = false;
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const version of versions) {
      status.set(version.versionId, version.runningStatus);
      if (stopping && version.runningStatus === 'stopped') stoppedSince.add(version.versionId);
    }
  });
  await cdp.send('ServiceWorker.enable');
  const running = [...status].filter(([, state]) => state !== 'stopped').map(([id]) => id);
  stopping = true;
  await cdp.send('ServiceWorker.stopAllWorkers');
  const deadline = Date.now() + timeoutMs;
  while (running.some((id) => !stoppedSince.has(id))) {
    if (Date.now() > deadline) throw new Error(`workers not stopped: ${JSON.stringify([...status])}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await cdp.detach();
}
