/// <reference lib="webworker" />
import { cacheNames, clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import type { RouteMatchCallback } from 'workbox-core/types';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import type { HTTPMethod } from 'workbox-routing/utils/constants';
import { answer } from './answer';
import { TokenBroker } from './broker';
import { brokerConfig } from './broker-config';
import { isSkipWaitingMessage, type Session, type SessionChangedMessage } from './protocol';
import { createIdbSessionStore } from './session-store';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

async function tellWindows(session: Session): Promise<void> {
  const message: SessionChangedMessage = { type: 'session-changed', session };
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) client.postMessage(message);
}

async function purgeUserCaches(): Promise<void> {
  // Only the precached app shell may outlive a session; any other cache could hold user data.
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name !== cacheNames.precache).map((name) => caches.delete(name)));
}

const broker = new TokenBroker({
  transport: (request) => fetch(request),
  clock: Date,
  store: createIdbSessionStore(),
  config: brokerConfig(self.location.origin),
  broadcast: (session) => void tellWindows(session),
  lock: (task) => (self.navigator.locks ? self.navigator.locks.request('token-broker-refresh', task) : task()),
  purge: purgeUserCaches,
  online: () => self.navigator.onLine,
});

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
if (import.meta.env.PROD) {
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/(api|auth|__mock|\.well-known)\//] }));
}

const isAuth: RouteMatchCallback = ({ request, url }) => broker.classify(request, url) === 'auth';
const isApi: RouteMatchCallback = ({ request, url }) => broker.classify(request, url) === 'api';
for (const method of METHODS) {
  registerRoute(isAuth, async () => broker.refuse(), method);
  registerRoute(isApi, ({ request }) => broker.fetch(request), method);
}

self.addEventListener('message', (event) => {
  // Only this origin's own windows may talk to the broker.
  const source = event.source;
  if (!(source instanceof WindowClient) || new URL(source.url).origin !== self.location.origin) return;
  if (isSkipWaitingMessage(event.data)) {
    event.waitUntil(self.skipWaiting());
    return;
  }
  const port = event.ports[0];
  if (port) event.waitUntil(answer(broker, event.data).then((reply) => port.postMessage(reply)));
});

clientsClaim();
