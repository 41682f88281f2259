import type { Page } from '@playwright/test';

/**
 * Posts `message` to the service worker that controls the page, with a MessageChannel port
 * for the reply, as the app's broker client does, and resolves with the worker's reply.
 */
export function askWorker<Reply = unknown>(page: Page, message: unknown): Promise<Reply> {
  return page.evaluate(
    (data) =>
      new Promise<Reply>((resolve, reject) => {
        const controller = navigator.serviceWorker.controller;
        if (!controller) {
          reject(new Error('no service worker controls the page'));
          return;
        }
        const channel = new MessageChannel();
        channel.port1.onmessage = (event: MessageEvent<Reply>) => resolve(event.data);
        controller.postMessage(data, [channel.port2]);
      }),
    message,
  );
}
