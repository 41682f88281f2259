import { describe, expect, it } from 'vitest';
import { safeReturnUrl } from './returnUrl';

describe('safeReturnUrl', () => {
  it.each(['/', '/todos?x=1#y', '/a/b/c', '/somewhere?returnUrl=%2F', '/%0d%0a'])('keeps the same-origin path %s', (path) => {
    expect(safeReturnUrl(path)).toBe(path);
  });

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    ' /x',
    '/\t/evil',
    '/\n/evil',
    'http:/evil',
    '///evil.example',
    '/login',
    '',
  ])('refuses %j', (value) => {
    expect(safeReturnUrl(value)).toBe('/');
  });

  it.each([undefined, null, 42, ['/x'], { path: '/x' }])('refuses the non-string %j', (value) => {
    expect(safeReturnUrl(value)).toBe('/');
  });
});
