import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.ts';
import { WS_TICKET_TTL_SECONDS, WsTickets } from './ws-tickets.ts';

const ORIGIN = 'http://localhost:4173';
const HOLDER = { userId: 1, sid: 'session-1', origin: ORIGIN };

function tickets() {
  const clock = { now: Date.UTC(2026, 0, 1) };
  return { clock, store: new WsTickets(() => clock.now) };
}

/** The error a redemption fails with, or 'ok'; `null` presents no Origin. */
async function outcome(store: WsTickets, ticket: string | undefined, origin: string | null = ORIGIN): Promise<string> {
  try {
    await store.redeem(ticket, origin ?? undefined);
    return 'ok';
  } catch (error) {
    return error instanceof HttpError ? `${error.status} ${error.code}` : 'unexpected';
  }
}

describe('WsTickets', () => {
  it('issues 256-bit base64url tickets, each unlike the last', async () => {
    const { store } = tickets();
    const [a, b] = [await store.issue(HOLDER), await store.issue(HOLDER)];
    expect(a).toMatch(/^[\w-]{43}$/);
    expect(b).not.toBe(a);
  });

  it('redeems a ticket once, for its holder', async () => {
    const { store } = tickets();
    const ticket = await store.issue(HOLDER);
    expect(await store.redeem(ticket, ORIGIN)).toEqual(HOLDER);
    expect(await outcome(store, ticket)).toBe('401 invalid_ticket');
  });

  it(`refuses a ticket ${WS_TICKET_TTL_SECONDS} s after it was issued`, async () => {
    const { clock, store } = tickets();
    const fresh = await store.issue(HOLDER);
    const stale = await store.issue(HOLDER);
    clock.now += WS_TICKET_TTL_SECONDS * 1000 - 1;
    expect(await outcome(store, fresh)).toBe('ok');
    clock.now += 1;
    expect(await outcome(store, stale)).toBe('401 invalid_ticket');
  });

  it('refuses a ticket from another origin, and that presentation uses it up', async () => {
    const { store } = tickets();
    const ticket = await store.issue(HOLDER);
    expect(await outcome(store, ticket, 'http://evil.example')).toBe('403 cross_site_request');
    expect(await outcome(store, ticket, null)).toBe('401 invalid_ticket');
    const other = await store.issue(HOLDER);
    expect(await outcome(store, other, null)).toBe('403 cross_site_request');
    expect(await outcome(store, other)).toBe('401 invalid_ticket');
  });

  it('refuses no ticket, an unknown one, and all of them after a reset', async () => {
    const { store } = tickets();
    const ticket = await store.issue(HOLDER);
    expect(await outcome(store, undefined)).toBe('401 invalid_ticket');
    expect(await outcome(store, 'made-up')).toBe('401 invalid_ticket');
    store.reset();
    expect(await outcome(store, ticket)).toBe('401 invalid_ticket');
  });
});
