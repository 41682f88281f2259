import { describe, expect, it } from 'vitest';
import { createMemoryAdapterStore } from '../adapter-store.ts';
import { ManualClock } from '../test-fakes.ts';
import { MAX_PENDING, PENDING_MAX_AGE_MS, PendingAuthorizations, type PendingAuthorization } from './pending-authorizations.ts';

const entry = (state: string, createdAt: number): PendingAuthorization => ({
  state,
  codeVerifier: `verifier-${state}`,
  nonce: `nonce-${state}`,
  returnUrl: '/',
  issuer: 'https://id.example.com',
  createdAt,
});

describe('PendingAuthorizations', () => {
  it('gives each sign-in back once, by its state', async () => {
    const clock = new ManualClock();
    const pending = new PendingAuthorizations(createMemoryAdapterStore(), clock);
    await pending.add(entry('a', clock.now()));
    await pending.add(entry('b', clock.now()));
    expect(await pending.take('b')).toEqual(entry('b', clock.now()));
    expect(await pending.take('b')).toBeUndefined();
    expect(await pending.take('unknown')).toBeUndefined();
    expect((await pending.take('a'))?.codeVerifier).toBe('verifier-a');
  });

  it('outlives the worker (a new instance over the same store) but not ten minutes', async () => {
    const clock = new ManualClock();
    const store = createMemoryAdapterStore();
    await new PendingAuthorizations(store, clock).add(entry('a', clock.now()));
    await new PendingAuthorizations(store, clock).add(entry('b', clock.now()));
    clock.advance(PENDING_MAX_AGE_MS - 1);
    expect(await new PendingAuthorizations(store, clock).take('a')).toBeDefined();
    clock.advance(1);
    expect(await new PendingAuthorizations(store, clock).take('b')).toBeUndefined();
    expect(await store.get('oidc-pending-authorizations')).toBeUndefined();
  });

  it(`keeps the ${MAX_PENDING} newest, and ignores damaged records`, async () => {
    const clock = new ManualClock();
    const store = createMemoryAdapterStore();
    await store.update('oidc-pending-authorizations', () => [{ state: 'x' }, 'junk', entry('ok', clock.now())]);
    const pending = new PendingAuthorizations(store, clock);
    for (let index = 0; index < MAX_PENDING; index += 1) await pending.add(entry(`s${index}`, clock.now()));
    expect(await pending.take('ok')).toBeUndefined();
    expect(await pending.take('x')).toBeUndefined();
    expect(await pending.take('s0')).toBeDefined();
  });
});
