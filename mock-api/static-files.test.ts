import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStaticFiles } from './static-files.ts';

function builtApp(): string {
  const root = mkdtempSync(join(tmpdir(), 'dist-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'sw.js'), 'self.x = 1;');
  writeFileSync(join(root, 'manifest.webmanifest'), '{}');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'secret-outside.txt'), 'secret');
  return root;
}

describe('createStaticFiles', () => {
  const serve = createStaticFiles(builtApp());

  it('serves files with their content types and caching rules', async () => {
    const sw = await serve('/sw.js');
    expect(sw?.headers).toEqual({ 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' });
    const asset = await serve('/assets/index-abc123.js');
    expect(asset?.headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
    expect((await serve('/manifest.webmanifest'))?.headers['Content-Type']).toBe('application/manifest+json; charset=utf-8');
  });

  it('falls back to index.html for the SPA’s routes', async () => {
    for (const path of ['/', '/login', '/a/b/c']) {
      const file = await serve(path);
      expect(file?.body.toString()).toContain('<title>app</title>');
      expect(file?.headers['Cache-Control']).toBe('no-cache');
    }
  });

  it('answers 404 for missing files that have an extension', async () => {
    expect(await serve('/missing.js')).toBeUndefined();
  });

  it.each([
    '/../secret-outside.txt',
    '/%2e%2e/secret-outside.txt',
    '/assets/..%2f..%2fsecret-outside.txt',
    '/..%5csecret-outside.txt',
    '/%00.js',
    '/%E0%A4%A',
  ])('never leaves its folder for %s', async (path) => {
    const file = await serve(path);
    expect(file?.body.toString() ?? '').not.toContain('secret');
  });
});
