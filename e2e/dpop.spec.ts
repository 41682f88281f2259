import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { APIRequestContext } from '@playwright/test';
import { expect, JWT_PATTERN, signIn, test, turnLiveUpdatesOff } from './fixtures';
import { baseUrl } from './server-env';

// Sender-constrained tokens (RFC 9449), attacked from outside the browser and from page script
// the worker does not control. The e2e server runs with DPOP=optional: any proof binds.

interface Captured {
  authorization: string;
  dpop: string;
  url: string;
}

/** A DPoP key of the test's own, to play a thief with a key of their own. */
async function thiefKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const jwk: JWK = { kty, crv, x, y };
  return {
    proof: async (method: string, url: string, claims: Record<string, unknown> = {}) =>
      new SignJWT({ htm: method, htu: url, jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .sign(privateKey),
  };
}

const ath = async (token: string): Promise<string> =>
  base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));

async function todos(request: APIRequestContext, headers: Record<string, string>, path = '/api/todos') {
  const response = await request.get(path, { headers });
  return { status: response.status(), challenge: response.headers()['www-authenticate'] ?? '' };
}

test.describe('DPoP-bound tokens', () => {
  test('every worker call carries a proof, and API calls use the DPoP scheme', async ({ page, context }) => {
    const seen: { path: string; authorization: string | undefined; dpop: string | undefined }[] = [];
    context.on('request', (request) => {
      if (request.serviceWorker())
        seen.push({
          path: new URL(request.url()).pathname,
          authorization: request.headers()['authorization'],
          dpop: request.headers()['dpop'],
        });
    });
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    const calls = seen.filter((call) => call.path.startsWith('/auth/') || call.path.startsWith('/api/'));
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((call) => call.dpop !== undefined)).toBe(true);
    expect(calls.filter((call) => call.path.startsWith('/api/')).every((call) => call.authorization?.startsWith('DPoP eyJ'))).toBe(true);
  });

  test('a captured token and proof are worth nothing replayed from outside the browser', async ({ page, context, request }) => {
    let captured: Captured | undefined;
    context.on('request', (sent) => {
      const headers = sent.headers();
      if (sent.serviceWorker() && new URL(sent.url()).pathname === '/api/users' && headers['dpop'] && headers['authorization']) {
        captured ??= { authorization: headers['authorization'], dpop: headers['dpop'], url: sent.url() };
      }
    });
    await signIn(page);
    await expect(page.getByRole('list', { name: 'Users' }).getByRole('listitem')).toHaveCount(2);
    expect(captured?.authorization).toMatch(JWT_PATTERN);
    const { authorization, dpop, url } = captured as Captured;
    const token = authorization.replace(/^DPoP /, '');
    const thief = await thiefKey();

    const attempts = {
      'the same proof again (jti replay)': await todos(request, { Authorization: authorization, DPoP: dpop }, '/api/users'),
      'the token with a proof from another key': await todos(request, {
        Authorization: authorization,
        DPoP: await thief.proof('GET', `${baseUrl()}/api/todos`, { ath: await ath(token) }),
      }),
      'the token as Bearer': await todos(request, { Authorization: `Bearer ${token}` }),
      'the token without a proof': await todos(request, { Authorization: authorization }),
      'the proof against another path': await todos(request, { Authorization: authorization, DPoP: dpop }, '/api/todos'),
    };
    for (const [attempt, answer] of Object.entries(attempts)) {
      expect(answer, attempt).toEqual({ status: 401, challenge: expect.stringMatching(/^DPoP .*error="invalid_token"/) });
    }
    // The page, through its worker, still works.
    expect(await page.evaluate(async (path) => (await fetch(path)).status, new URL(url).pathname)).toBe(200);
  });

  test('a proof ten minutes old, or for another method, is refused', async ({ request }) => {
    // A session of the test's own, bound to its own key, so it can sign whatever it likes.
    const own = await thiefKey();
    const login = await request.post('/auth/login', {
      data: { username: 'ada', password: 'lovelace' },
      headers: { DPoP: await own.proof('POST', `${baseUrl()}/auth/login`) },
    });
    expect(login.status()).toBe(200);
    const { access_token: token, token_type: type } = (await login.json()) as { access_token: string; token_type: string };
    expect(type).toBe('DPoP');
    const good = async (claims: Record<string, unknown> = {}, method = 'GET') =>
      todos(request, {
        Authorization: `DPoP ${token}`,
        DPoP: await own.proof(method, `${baseUrl()}/api/todos`, { ath: await ath(token), ...claims }),
      });
    expect((await good()).status).toBe(200);
    expect((await good({ iat: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await good({}, 'POST')).status).toBe(401);
  });

  test('from a same-origin page the worker does not control, the cookie alone gets no token', async ({ page, mock }) => {
    await signIn(page);
    // The cookie-only refresh revokes the family: no live stream may refresh through it meanwhile.
    await turnLiveUpdatesOff(page);
    const before = await mock.stats();
    const answers = await page.evaluate(async () => {
      const attempt = async (from: string, target: Window | null | undefined): Promise<{ from: string; status: number; body: string }> => {
        if (!target) return { from, status: -1, body: 'no window' };
        const answer = await (target as Window & typeof globalThis).fetch('/auth/refresh', { method: 'POST' });
        return { from, status: answer.status, body: await answer.text() };
      };
      const frame = document.createElement('iframe');
      document.body.append(frame); // about:blank, same origin
      const fromFrame = await attempt('about:blank frame', frame.contentWindow);
      const popup = window.open('');
      const fromPopup = await attempt('popup', popup);
      popup?.close();
      return [fromFrame, fromPopup];
    });
    for (const answer of answers) {
      expect(answer.body, answer.from).not.toMatch(JWT_PATTERN);
      expect(answer.status, answer.from).not.toBe(200);
    }
    const after = await mock.stats();
    expect(after.refreshes).toBe(before.refreshes);
    // The server saw the cookie-only refreshes (these pages are not controlled) and refused them.
    expect(after.refreshFailures - before.refreshFailures).toBe(answers.filter((answer) => answer.status === 400).length);
    expect(answers.some((answer) => answer.status === 400)).toBe(true);
  });

  test('the refresh cookie, taken to another port or tool, refreshes nothing', async ({ page, context, request }) => {
    await signIn(page);
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'refresh_token');
    expect(cookie?.httpOnly).toBe(true);
    const stolen = await request.post('/auth/refresh', { headers: { Cookie: `refresh_token=${cookie?.value ?? ''}` } });
    expect(stolen.status()).toBe(400);
    expect(await stolen.text()).not.toMatch(JWT_PATTERN);
  });

  test('the page cannot read the private key, though it can find it', async ({ page }) => {
    await signIn(page);
    const outcome = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('token-broker');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error ?? new Error('open failed'));
      });
      const pair = await new Promise<CryptoKeyPair | undefined>((resolve, reject) => {
        const get = db.transaction('session').objectStore('session').get('dpop-key');
        get.onsuccess = () => resolve(get.result as CryptoKeyPair | undefined);
        get.onerror = () => reject(get.error ?? new Error('get failed'));
      });
      db.close();
      if (!pair) return { found: false, extractable: undefined, exported: 'nothing to export' };
      const exported = await crypto.subtle.exportKey('jwk', pair.privateKey).then(
        () => 'exported',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      );
      return { found: true, extractable: pair.privateKey.extractable, exported };
    });
    expect(outcome).toEqual({ found: true, extractable: false, exported: 'InvalidAccessError' });
  });
});
