import { describe, expect, it } from 'vitest';
import { mockApiApp } from './app.ts';
import { bearer, testApi } from './test-support.ts';
import { WS_TICKET_TTL_SECONDS } from './ws-tickets.ts';

const ORIGIN = 'http://localhost:4173';

/** A TestApi whose app has a WebSocket endpoint (a stand-in: these tests stop before any upgrade). */
async function withSocket() {
  const t = await testApi();
  const services = t.services;
  const app = mockApiApp(services, { liveSocket: async (c) => c.body(null, 204) });
  const send = async (path: string, init?: RequestInit): Promise<Response> => app.request(`${ORIGIN}${path}`, init);
  return { t, services, send };
}

describe('POST /api/ws-ticket', () => {
  it(`answers 201 with a one-time ticket for the caller, good for ${WS_TICKET_TTL_SECONDS} s from the page's origin`, async () => {
    const { t, services, send } = await withSocket();
    const { accessToken } = await t.login();
    const response = await send('/api/ws-ticket', { method: 'POST', headers: { ...bearer(accessToken), Origin: ORIGIN } });
    expect(response.status).toBe(201);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = (await response.json()) as { ticket: string; expiresIn: number };
    expect(body).toEqual({ ticket: expect.stringMatching(/^[\w-]{43}$/), expiresIn: WS_TICKET_TTL_SECONDS });
    expect(body.ticket).not.toContain(accessToken.slice(0, 20));
    expect(await services.wsTickets.redeem(body.ticket, ORIGIN)).toMatchObject({ userId: 1, origin: ORIGIN });
  });

  it('answers 400 invalid_request without an Origin to bind the ticket to', async () => {
    const { t, send } = await withSocket();
    const { accessToken } = await t.login();
    const response = await send('/api/ws-ticket', { method: 'POST', headers: bearer(accessToken) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers 401 without a valid token', async () => {
    const { send } = await withSocket();
    const response = await send('/api/ws-ticket', { method: 'POST', headers: { Origin: ORIGIN } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('answers 501 not_supported where the runtime has no WebSocket endpoint', async () => {
    const t = await testApi();
    const { accessToken } = await t.login();
    const response = await t.send('/api/ws-ticket', { method: 'POST', headers: { ...bearer(accessToken), Origin: ORIGIN } });
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ error: 'not_supported' });
  });
});
