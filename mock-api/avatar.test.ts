import { describe, expect, it } from 'vitest';
import { avatarSvg } from './avatar.ts';
import { bearer, testApi } from './test-support.ts';

const user = (firstName: string, lastName: string, username = 'someone') => ({ id: 9, username, firstName, lastName });

describe('avatarSvg', () => {
  it('shows the initials, and names the user', async () => {
    const svg = await avatarSvg(user('Ada', 'Lovelace', 'ada'));
    expect(svg).toMatch(/^<svg\s+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toMatch(/>\s*AL\s*<\/text>/);
    expect(svg).toContain('<title>Ada Lovelace</title>');
  });

  it('escapes every text it puts in, in content and in attributes', async () => {
    const svg = await avatarSvg(user('<script>alert(1)</script>', '"&\'', 'x'));
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;&#39;</title>');
    expect(svg).toContain('aria-label="&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;&#39;"');
    expect(svg).toMatch(/>\s*&lt;&quot;\s*<\/text>/);
  });

  it('derives the colour from the username: the same for the same user, another for another', async () => {
    const fill = (svg: string): string | undefined => /fill="(hsl\([^"]+\))"/.exec(svg)?.[1];
    const ada = fill(await avatarSvg(user('A', 'L', 'ada')));
    expect(ada).toMatch(/^hsl\(\d+, 45%, 38%\)$/);
    expect(fill(await avatarSvg(user('Other', 'Name', 'ada')))).toBe(ada);
    expect(fill(await avatarSvg(user('A', 'L', 'test')))).not.toBe(ada);
  });

  it('falls back to the username, and keeps a character beyond the BMP whole', async () => {
    expect(await avatarSvg(user('', '', 'zed'))).toMatch(/>\s*Z\s*<\/text>/);
    expect(await avatarSvg(user('𝒜da', 'L'))).toMatch(/>\s*𝒜L\s*<\/text>/u);
  });
});

describe('GET /api/avatar', () => {
  it("serves the caller's avatar as an SVG that can run no script, cached per user only after revalidation", async () => {
    const t = await testApi();
    const { accessToken } = await t.login('ada', 'lovelace');
    const response = await t.send('/api/avatar', { headers: bearer(accessToken) });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/svg+xml');
    expect(response.headers.get('Cache-Control')).toBe('private, no-cache');
    expect(response.headers.get('Vary')).toBe('Authorization');
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Content-Security-Policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(await response.text()).toMatch(/>\s*AL\s*<\/text>/);
  });

  it('answers 401 without a valid token', async () => {
    const t = await testApi();
    expect((await t.send('/api/avatar')).status).toBe(401);
    const refused = await t.send('/api/avatar', { headers: bearer('not.a.token') });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('Cache-Control')).toBe('no-store');
    expect(refused.headers.get('Content-Security-Policy')).toContain("default-src 'self'");
  });
});
