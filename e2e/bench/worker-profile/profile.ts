/// <reference lib="webworker" />
// Timestamps inside the service worker, for `npm run bench` only: a build with VITE_SW_PROFILE=on
// evaluates this module before app/sw.ts (vite.config.ts), so it sees the worker start, and it
// wraps the globals the broker's request path goes through. Nothing here reads a header or a body.
import type { ProfileEvent, WorkerProfile } from './events.ts';

declare const self: ServiceWorkerGlobalScope & { __profile?: WorkerProfile };

const LIMIT = 20_000;
const events: ProfileEvent[] = [];
const mark = (kind: ProfileEvent['kind'], path = ''): void => {
  if (events.length < LIMIT) events.push({ t: performance.now(), kind, path });
};
const pathOf = (input: RequestInfo | URL): string =>
  new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, self.location.href).pathname;

self.__profile = { timeOrigin: performance.timeOrigin, events, mark };
mark('script-start');

// Registered before any listener of app/sw.ts: the first code a fetch event runs.
self.addEventListener('fetch', (event) => mark('fetch-event', pathOf(event.request)));

// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the event as its receiver
const respondWith = FetchEvent.prototype.respondWith;
FetchEvent.prototype.respondWith = function (this: FetchEvent, response: Response | PromiseLike<Response>): void {
  const path = pathOf(this.request);
  mark('respond-with', path);
  respondWith.apply(this, [
    Promise.resolve(response).then((answer) => {
      mark('responded', path);
      return answer;
    }),
  ]);
};

const fetch = self.fetch.bind(self);
self.fetch = (input, init) => {
  const path = pathOf(input);
  mark('fetch-start', path);
  return fetch(input, init).then((response) => {
    mark('fetch-end', path);
    return response;
  });
};

const subtle = crypto.subtle;
const sign = subtle.sign.bind(subtle);
subtle.sign = (...args: Parameters<SubtleCrypto['sign']>) => {
  mark('sign-start');
  return sign(...args).then((signature) => {
    mark('sign-end');
    return signature;
  });
};

const locks = navigator.locks;
type Task = LockGrantedCallback<unknown>;
const request = locks.request.bind(locks) as (name: string, options: LockOptions, task: Task) => Promise<unknown>;
// Only the form the broker uses: request(name, options, task).
locks.request = ((name: string, options: LockOptions, task: Task) => {
  mark('lock-request', name);
  return request(name, options, (lock: Lock | null) => {
    mark('lock-granted', name);
    return task(lock);
  });
}) as LockManager['request'];

const open = indexedDB.open.bind(indexedDB);
indexedDB.open = (name: string, version?: number) => {
  mark('idb-open', name);
  const opening = open(name, version);
  opening.addEventListener('success', () => mark('idb-opened', name));
  return opening;
};

// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the store as its receiver
const get = IDBObjectStore.prototype.get;
IDBObjectStore.prototype.get = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange): IDBRequest {
  const key = typeof query === 'string' ? query : '';
  mark('idb-get', key);
  const reading = get.call(this, query);
  reading.addEventListener('success', () => mark('idb-got', key));
  return reading;
};

mark('profile-ready');
