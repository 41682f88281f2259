import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createServices } from './app.ts';
import { mockApiConfig } from './config.ts';
import { nodeMockApiApp } from './node-app.ts';
import { bearer, readEventStream } from './test-support.ts';

const SCRIPT = `console.log(${JSON.stringify('a long line of script '.repeat(100))});\n`;
const GZIP = { 'Accept-Encoding': 'gzip, deflate, br, zstd' };

function builtApp(): string {
  const root = mkdtempSync(join(tmpdir(), 'dist-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'assets', 'index-abc12345.js'), SCRIPT);
  return root;
}

async function nodeApi() {
  const app = nodeMockApiApp(await createServices(mockApiConfig({ pbkdf2Iterations: 1_000 })), { dist: builtApp() });
  const send = async (path: string, init?: RequestInit): Promise<Response> => app.request(`http://localhost:4173${path}`, init);
  const login = await send('/auth/login', {
    method: 'POST',
    headers: { ...GZIP, 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'test', password: 'test' }),
  });
  return { send, login, accessToken: String(((await login.clone().json()) as { access_token: string }).access_token) };
}

const gunzipped = async (response: Response): Promise<string> => gunzipSync(new Uint8Array(await response.arrayBuffer())).toString('utf8');

describe('compression on the Node server', () => {
  it('gzips a script for a client that accepts gzip, and says that the answer varies with Accept-Encoding', async () => {
    const { send } = await nodeApi();
    const response = await send('/assets/index-abc12345.js', { headers: GZIP });
    expect(response.headers.get('Content-Encoding')).toBe('gzip');
    expect(response.headers.get('Vary')).toContain('Accept-Encoding');
    expect(response.headers.get('Content-Length')).toBeNull();
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(await gunzipped(response)).toBe(SCRIPT);
  });

  it('sends the script as it is to a client that accepts no encoding, with the same Vary', async () => {
    const { send } = await nodeApi();
    const response = await send('/assets/index-abc12345.js');
    expect(response.headers.get('Content-Encoding')).toBeNull();
    expect(response.headers.get('Vary')).toContain('Accept-Encoding');
    expect(await response.text()).toBe(SCRIPT);
  });

  it('gzips an API answer in JSON, still no-store', async () => {
    const { send, accessToken } = await nodeApi();
    const response = await send('/api/users', { headers: { ...GZIP, ...bearer(accessToken) } });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Encoding')).toBe('gzip');
    expect(response.headers.get('Vary')).toContain('Accept-Encoding');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(JSON.parse(await gunzipped(response))).toContainEqual(expect.objectContaining({ username: 'ada' }));
  });

  it('never compresses an event stream, which must reach the client event by event', async () => {
    const { send, accessToken } = await nodeApi();
    const response = await send('/api/events', { headers: { ...GZIP, ...bearer(accessToken) } });
    expect(response.headers.get('Content-Type')).toBe('text/event-stream');
    expect(response.headers.get('Content-Encoding')).toBeNull();
    const reader = readEventStream(response);
    expect(await reader.next()).toEqual({ retry: '1000' });
    await reader.cancel();
  });

  it('leaves the token endpoints’ answers, which carry the access token, uncompressed', async () => {
    const { login } = await nodeApi();
    expect(login.status).toBe(200);
    expect(login.headers.get('Content-Encoding')).toBeNull();
  });
});
