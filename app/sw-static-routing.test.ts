import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseUrlRule } from '../sw/worker/url-rules.ts';
import { precacheStaticRouting } from './sw-static-routing.ts';

const WORKER = 'https://app.example.com/sw.js';
const manifest = ['index.html', { url: 'assets/index-B1.js', revision: null }, { url: 'icons/a b.png', revision: '1' }];

afterEach(() => vi.unstubAllEnvs());

describe('precacheStaticRouting', () => {
  it('keeps every precached file the worker’s, as a path on its origin the broker takes', () => {
    const option = precacheStaticRouting(manifest, WORKER);
    expect(option).toEqual({ workerHandles: ['/index.html', '/assets/index-B1.js', '/icons/a%20b.png'] });
    const handles = option === false ? [] : option.workerHandles;
    for (const [index, path] of handles.entries())
      expect(parseUrlRule(path, 'https://app.example.com', `workerHandles[${index}]`).path).toBe(path);
  });

  it('is off with VITE_STATIC_ROUTING=off', () => {
    vi.stubEnv('VITE_STATIC_ROUTING', 'off');
    expect(precacheStaticRouting(manifest, WORKER)).toBe(false);
  });
});
