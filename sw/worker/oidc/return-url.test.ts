import { describe, expect, it } from 'vitest';
import { safeReturnPath } from './return-url.ts';

const ORIGIN = 'https://app.example';

describe('safeReturnPath', () => {
  it('keeps a path on this origin with its query and fragment', () => {
    expect(safeReturnPath('/todos?filter=open#top', ORIGIN)).toBe('/todos?filter=open#top');
    expect(safeReturnPath('/', ORIGIN)).toBe('/');
  });

  it.each(['https://evil.example/x', '//evil.example/x', '/\\evil.example', '/\tevil', 'javascript:alert(1)', 'todos', '', undefined, 42])(
    'lands %s on /',
    (value) => {
      expect(safeReturnPath(value, ORIGIN)).toBe('/');
    },
  );

  it('never returns to the redirect URI', () => {
    expect(safeReturnPath('/auth/callback?code=x', ORIGIN, ['/auth/callback'])).toBe('/');
  });
});
