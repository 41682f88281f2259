import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real server (mock-api/server.ts) as `npm run serve` starts it, in a child process on a free
// port, serving a one-file app; every request below is written byte for byte on a raw socket.

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What one connection saw: the responses, whether the server ended it cleanly (FIN), any socket error. */
interface Exchange {
  responses: RawResponse[];
  ended: boolean;
  error?: string;
}

let server: ChildProcess;
let port = 0;
let output = '';

beforeAll(async () => {
  const dist = mkdtempSync(join(tmpdir(), 'dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title>');
  server = spawn(process.execPath, ['--import', 'tsx', 'mock-api/server.ts'], {
    env: { ...process.env, PORT: '0', DIST_DIR: dist, MOCK_CONTROLS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  port = await new Promise<number>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    const poll = setInterval(() => {
      // The last of the three lines it prints once it listens.
      const match = /Serving on http:\/\/localhost:(\d+)\n.*\n.*\n/.exec(output);
      if (match?.[1]) {
        clearInterval(poll);
        resolve(Number(match[1]));
      }
    }, 20);
  });
}, 30_000);

afterAll(() => {
  server.kill('SIGTERM');
});

/** Splits what arrived into responses (every answer of this server has a Content-Length or no body). */
function parseResponses(raw: Buffer): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return responses;
    const [statusLine = '', ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (rest.byteLength < end + 4 + length) return responses;
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.subarray(end + 4, end + 4 + length).toString() });
    rest = rest.subarray(end + 4 + length);
  }
}

/** Writes `parts` on one connection; resolves once `expected` responses arrived or the server closed it. */
function exchange(parts: (string | Buffer)[], expected = 1): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const result: Exchange = { responses: [], ended: false };
    const done = (): void => {
      clearTimeout(timer);
      result.responses = parseResponses(Buffer.concat(chunks));
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(done, 8_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parseResponses(Buffer.concat(chunks)).length >= expected) done();
    });
    socket.on('end', () => (result.ended = true));
    socket.on('error', (error) => (result.error = error.message));
    socket.on('close', done);
    for (const part of parts) socket.write(part);
  });
}

/** Writes `request`, and resets the connection (RST) as soon as the answer begins to arrive. */
function sendThenReset(request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.once('data', (chunk: Buffer) => {
      socket.resetAndDestroy();
      resolve(chunk.toString('latin1').split('\r\n')[0] ?? '');
    });
    socket.on('error', () => resolve(''));
  });
}

const GET_HOME = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

function post(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: '127.0.0.1', ...headers }).map(([name, value]) => `${name}: ${value}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

function chunked(bytes: number): string {
  const chunk = 'x'.repeat(1024);
  return `${`400\r\n${chunk}\r\n`.repeat(Math.ceil(bytes / 1024))}0\r\n\r\n`;
}

/** The process is alive and a fresh connection gets the app. */
async function expectStillServing(): Promise<void> {
  expect(server.exitCode).toBeNull();
  const { responses } = await exchange([GET_HOME]);
  expect(responses[0]?.status).toBe(200);
  expect(responses[0]?.body).toContain('<title>app</title>');
}

/** A JSON error with the app's headers, whoever produced it. */
function expectErrorShape(response: RawResponse | undefined): void {
  expect(JSON.parse(response?.body ?? '')).toEqual({ error: expect.any(String), message: expect.any(String) });
  expect(response?.headers['content-security-policy']).toContain("default-src 'self'");
  expect(response?.headers['x-content-type-options']).toBe('nosniff');
}

/** The first answer said Connection: close, and the server then ended the connection with a FIN, not a reset. */
function expectClosedCleanly(result: Exchange): void {
  expect(result.responses[0]?.headers.connection).toBe('close');
  expect(result.ended).toBe(true);
  expect(result.error).toBeUndefined();
}

describe('mock-api/server.ts', () => {
  it('prints the URL, the demo users and the token lifetime', () => {
    expect(output).toBe(
      `Serving on http://localhost:${port}\n` +
        'Demo users: test / test (Test User), ada / lovelace (Ada Lovelace)\n' +
        'Access tokens live 300 s; MOCK_CONTROLS=1: /__mock/* enabled\n',
    );
  });

  describe('nothing a client sends stops it', () => {
    it.each([
      ['TRACE', 'TRACE /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 405],
      ['TRACE on the app', 'TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 405],
      ['CONNECT', 'CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n', 405],
      ['a made-up method token', 'FROB /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400],
      ['a method the parser knows and no route has', 'PROPFIND /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 405],
      ['Host: [ on /api', 'GET /api/me HTTP/1.1\r\nHost: [\r\n\r\n', 400],
      ['Host: [ on /auth', 'POST /auth/refresh HTTP/1.1\r\nHost: [\r\nContent-Length: 0\r\n\r\n', 400],
      ['no Host at all', 'GET /api/me HTTP/1.1\r\n\r\n', 400],
      ['the request target //[', 'GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400],
      ['a request target that names another host', 'GET //evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 400],
      ['a malformed header line', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nthis is not a header\r\n\r\n', 400],
      [
        'a bad chunked body',
        `${post('/auth/login', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })}zz\r\n{}\r\n0\r\n\r\n`,
        400,
      ],
      ['garbage', '\x00\x01\x02 not http at all\r\n\r\n', 400],
    ])('answers %s with a 4xx JSON error and keeps serving', async (_, request, status) => {
      const { responses } = await exchange([request]);
      expect(responses[0]?.status).toBe(status);
      expectErrorShape(responses[0]);
      await expectStillServing();
    });

    it.each([
      ['a CONNECT', 'CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n', 'HTTP/1.1 405 Method Not Allowed'],
      ['a malformed request', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nnot a header\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
      ['a request it answers', GET_HOME, 'HTTP/1.1 200 OK'],
    ])('keeps serving when the client of %s resets the connection after the answer begins', async (_, request, statusLine) => {
      expect(await sendThenReset(request)).toBe(statusLine);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expectStillServing();
    });
  });

  describe('a connection survives an early answer', () => {
    it('413 on a declared Content-Length: the rest of the body is dropped and the next request is answered', async () => {
      const body = 'x'.repeat(300_000);
      const result = await exchange(
        [post('/auth/login', { 'Content-Type': 'application/json', 'Content-Length': body.length }), body, GET_HOME],
        2,
      );
      expect(result.responses.map(({ status }) => status)).toEqual([413, 200]);
      expect(result.responses[0]?.headers.connection).toBe('keep-alive');
      expect(JSON.parse(result.responses[0]?.body ?? '')).toMatchObject({ error: 'payload_too_large' });
    });

    it('413 on a declared Content-Length too large to drop: Connection: close, then a clean close', async () => {
      const result = await exchange(
        [post('/auth/login', { 'Content-Type': 'application/json', 'Content-Length': 10_000_000 }), GET_HOME],
        2,
      );
      expect(result.responses.map(({ status }) => status)).toEqual([413]);
      expectClosedCleanly(result);
    });

    it('413 while a chunked body streams in: the rest is dropped and the next request is answered', async () => {
      const result = await exchange(
        [post('/auth/login', { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), chunked(64 * 1024), GET_HOME],
        2,
      );
      expect(result.responses.map(({ status }) => status)).toEqual([413, 200]);
    });

    it('400 for malformed JSON', async () => {
      const body = '{"username":';
      const result = await exchange(
        [post('/auth/login', { 'Content-Type': 'application/json', 'Content-Length': body.length }), body, GET_HOME],
        2,
      );
      expect(result.responses.map(({ status }) => status)).toEqual([400, 200]);
    });

    it('400 for a Host it cannot read, with a body it never reads', async () => {
      const body = JSON.stringify({ username: 'test', password: 'x'.repeat(4000) });
      const request = post('/auth/login', { Host: '[', 'Content-Type': 'application/json', 'Content-Length': body.length });
      const result = await exchange([request, body, GET_HOME], 2);
      expect(result.responses.map(({ status }) => status)).toEqual([400, 200]);
    });

    it('400 for a malformed header line: Connection: close, then a clean close', async () => {
      const result = await exchange(['GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nnot a header\r\n\r\n', GET_HOME], 2);
      expect(result.responses.map(({ status }) => status)).toEqual([400]);
      expectClosedCleanly(result);
    });

    it('415 for a body that is not JSON', async () => {
      const body = 'username=test&password=test';
      const request = post('/auth/login', { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length });
      const result = await exchange([request, body, GET_HOME], 2);
      expect(result.responses.map(({ status }) => status)).toEqual([415, 200]);
    });

    it('403 for a cross-site request, with its body unread', async () => {
      const body = JSON.stringify({ username: 'test', password: 'test' });
      const request = post('/auth/login', {
        Origin: 'http://evil.example',
        'Content-Type': 'application/json',
        'Content-Length': body.length,
      });
      const result = await exchange([request, body, GET_HOME], 2);
      expect(result.responses.map(({ status }) => status)).toEqual([403, 200]);
    });

    it('431 for headers over 16 KiB: Connection: close, then a clean close', async () => {
      const result = await exchange(
        [`GET /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'x'.repeat(20_000)}\r\n\r\n`, GET_HOME],
        2,
      );
      expect(result.responses.map(({ status }) => status)).toEqual([431]);
      expectErrorShape(result.responses[0]);
      expectClosedCleanly(result);
    });
  });
});

describe('WebSocket upgrades', () => {
  const PAGE = 'http://localhost:4173';

  function upgrade(path: string, headers: Record<string, string> = {}, method = 'GET'): string {
    const all = {
      Host: '127.0.0.1',
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      Origin: PAGE,
      ...headers,
    };
    const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}`);
    return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
  }

  async function ticket(): Promise<string> {
    const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'ada', password: 'lovelace' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const issued = await fetch(`http://127.0.0.1:${port}/api/ws-ticket`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, Origin: PAGE },
    });
    return ((await issued.json()) as { ticket: string }).ticket;
  }

  it.each([
    ['an unknown ticket', () => upgrade('/api/ws?ticket=nope'), 401],
    ['no ticket', () => upgrade('/api/ws'), 401],
  ])('refuses an upgrade with %s before upgrading, closes, and keeps serving', async (_, request, status) => {
    const result = await exchange([request(), GET_HOME], 2);
    expect(result.responses.map((response) => response.status)).toEqual([status]);
    expectClosedCleanly(result);
    await expectStillServing();
  });

  it.each([
    [
      'to another protocol',
      upgrade('/', { Upgrade: 'h2c', Connection: 'Upgrade, HTTP2-Settings', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA' }),
    ],
    ['on a POST', upgrade('/api/ws?ticket=x', { 'Content-Length': '0' }, 'POST')],
    ['of a path with no WebSocket', upgrade('/')],
  ])('answers an upgrade %s with 400 and a JSON error, and keeps serving', async (_, request) => {
    const result = await exchange([request, GET_HOME], 2);
    expect(result.responses.map((response) => response.status)).toEqual([400]);
    expectErrorShape(result.responses[0]);
    expectClosedCleanly(result);
    await expectStillServing();
  });

  it('answers an upgrade without a Sec-WebSocket-Key with 400, having used the ticket', async () => {
    const issued = await ticket();
    const malformed = upgrade(`/api/ws?ticket=${issued}`).replace(/Sec-WebSocket-Key: [^\r]+\r\n/, '');
    expect((await exchange([malformed])).responses[0]?.status).toBe(400);
    expect((await exchange([upgrade(`/api/ws?ticket=${issued}`)])).responses[0]?.status).toBe(401);
    await expectStillServing();
  });

  it('keeps serving when a client resets the connection during an upgrade, or sends garbage once upgraded', async () => {
    expect(await sendThenReset(upgrade('/api/ws?ticket=nope'))).toBe('HTTP/1.1 401 Unauthorized');
    const upgraded = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString('latin1');
        // Not a WebSocket frame at all: the server must close this socket, and only this one.
        if (seen.startsWith('HTTP/1.1 101')) socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03]));
      });
      socket.on('close', () => resolve(seen.split('\r\n')[0] ?? ''));
      socket.on('error', () => undefined);
      void ticket().then((issued) => socket.write(upgrade(`/api/ws?ticket=${issued}`)));
    });
    expect(upgraded).toBe('HTTP/1.1 101 Switching Protocols');
    await expectStillServing();
  });
});

/** POSTs a login from a given loopback address (127.0.0.0/8 is all loopback) and resolves with the status. */
function loginFrom(localAddress: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: 'test', password });
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path: '/auth/login',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('failed sign-ins from two addresses', () => {
  it("slow the guesser's address down with 429, and never lock the real user out from theirs", async () => {
    const guesses: number[] = [];
    for (let i = 0; i < 7; i += 1) guesses.push(await loginFrom('127.0.0.2', 'wrong'));
    expect(guesses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(guesses.slice(5)).toContain(429);
    expect(await loginFrom('127.0.0.3', 'test')).toBe(200);
  });
});
