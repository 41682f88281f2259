import type { Page } from '@playwright/test';
import { JWT_PATTERN } from '../fixtures';
import { dumpIndexedDb } from './indexed-db';

/** Every place page JavaScript can read that holds a JWT-shaped string, by name. */
export async function jwtsReadableByPage(page: Page): Promise<string[]> {
  const inIndexedDb = (await dumpIndexedDb(page))
    .filter(({ keys, values }) => JWT_PATTERN.test(JSON.stringify([keys, values])))
    .map(({ database, store }) => `indexedDB ${database}/${store}`);
  const elsewhere = await page.evaluate((source) => {
    const pattern = new RegExp(source);
    const found: string[] = [];
    const check = (where: string, value: unknown): void => {
      if (typeof value === 'string' && pattern.test(value)) found.push(where);
    };
    for (const [name, storage] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ] as const) {
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i) ?? '';
        check(`${name}[${key}]`, `${key}=${storage.getItem(key) ?? ''}`);
      }
    }
    check('document.cookie', document.cookie);
    check('the DOM', document.documentElement.outerHTML);

    // Everything reachable from the page's globals and the Vue app, breadth first, bounded.
    // Getters run only on window itself: a prototype's getter called on the prototype throws.
    const seen = new WeakSet<object>();
    const vueApp = document.querySelector<Element & { __vue_app__?: unknown }>('#app')?.__vue_app__;
    const queue: [unknown, string, number][] = [
      [window, 'window', 0],
      [vueApp, 'vueApp', 0],
    ];
    let visited = 0;
    while (queue.length > 0 && visited < 200_000) {
      const [value, path, depth] = queue.shift() as [unknown, string, number];
      visited += 1;
      if (typeof value === 'string') {
        check(path, value);
        continue;
      }
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
      seen.add(value);
      if (depth >= 8) continue;
      for (const key of Reflect.ownKeys(value)) {
        const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
        let child: unknown;
        if (descriptor && 'value' in descriptor) child = descriptor.value;
        else if (value === window && descriptor?.get) {
          try {
            child = descriptor.get.call(window);
          } catch {
            continue;
          }
        } else continue;
        queue.push([child, `${path}.${String(key)}`, depth + 1]);
      }
    }
    return found;
  }, JWT_PATTERN.source);
  return [...elsewhere, ...inIndexedDb];
}
