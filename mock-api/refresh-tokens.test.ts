import { describe, expect, it } from 'vitest';
import { RefreshTokens } from './refresh-tokens.ts';

function tokens(grace = 2) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  return { clock, store: new RefreshTokens({ ttl: 3600, grace, now: () => clock.now }) };
}

describe('RefreshTokens rotation', () => {
  it('consumes a token exactly once when it is presented twice at the same moment: the second gets the same successor', async () => {
    const { store } = tokens();
    const issued = await store.issue(1, true);
    const [first, second] = await Promise.all([store.rotate(issued.token), store.rotate(issued.token)]);
    expect(first).toMatchObject({ ok: true, family: issued.family });
    expect(second).toMatchObject({ ok: true, family: issued.family });
    if (!first.ok || !second.ok) throw new Error('unreachable');
    expect(second.token).toBe(first.token);
    // One live chain: the successor rotates once more, and the family is still live.
    const next = await store.rotate(first.token);
    expect(next.ok).toBe(true);
    expect(store.isActive(issued.family)).toBe(true);
  });

  it('treats a third concurrent presentation as reuse and ends the family', async () => {
    const { store } = tokens();
    const issued = await store.issue(1, true);
    const results = await Promise.all([store.rotate(issued.token), store.rotate(issued.token), store.rotate(issued.token)]);
    expect(results.map((result) => (result.ok ? 'ok' : result.reason))).toEqual(['ok', 'ok', 'reused']);
    expect(store.isActive(issued.family)).toBe(false);
    const [winner] = results;
    expect(winner?.ok && (await store.rotate(winner.token)).ok).toBe(false);
  });

  it('never hands out a second chain: of many concurrent presentations at most one successor exists', async () => {
    for (let round = 0; round < 20; round += 1) {
      const { store } = tokens();
      const issued = await store.issue(1, true);
      const results = await Promise.all(Array.from({ length: 2 + (round % 3) }, () => store.rotate(issued.token)));
      const successors = new Set(results.flatMap((result) => (result.ok ? [result.token] : [])));
      expect(successors.size).toBeLessThanOrEqual(1);
    }
  });

  it('gives the grace answer only while the successor is unused', async () => {
    const { store } = tokens();
    const issued = await store.issue(1, true);
    const rotated = await store.rotate(issued.token);
    if (!rotated.ok) throw new Error('unreachable');
    expect((await store.rotate(rotated.token)).ok).toBe(true); // the successor has been used
    expect(await store.rotate(issued.token)).toEqual({ ok: false, reason: 'reused' });
    expect(store.isActive(issued.family)).toBe(false);
  });

  it('ends the grace after its seconds', async () => {
    const { store, clock } = tokens(2);
    const issued = await store.issue(1, true);
    await store.rotate(issued.token);
    clock.now += 2_001;
    expect(await store.rotate(issued.token)).toEqual({ ok: false, reason: 'reused' });
  });
});

describe('RefreshTokens families', () => {
  it('is active until revoked, and an unknown family never is', async () => {
    const { store } = tokens();
    const issued = await store.issue(1, true);
    expect(store.isActive(issued.family)).toBe(true);
    expect(store.isActive('made-up')).toBe(false);
    await store.revoke(issued.token);
    expect(store.isActive(issued.family)).toBe(false);
  });

  it('is inactive once past its absolute lifetime', async () => {
    const { store, clock } = tokens();
    const issued = await store.issue(1, true);
    clock.now += 3_600_000;
    expect(store.isActive(issued.family)).toBe(false);
  });
});

describe('RefreshTokens bound to a DPoP key', () => {
  it('rotates only with the proof of the key it was issued to; another key or none revokes the family', async () => {
    for (const presented of ['other-key', undefined]) {
      const { store } = tokens();
      const issued = await store.issue(1, true, 'key-a');
      expect(store.boundKey(issued.family)).toBe('key-a');
      const rotated = await store.rotate(issued.token, 'key-a');
      expect(rotated.ok).toBe(true);
      if (!rotated.ok) throw new Error('unreachable');
      expect(await store.rotate(rotated.token, presented)).toEqual({ ok: false, reason: 'wrong_key' });
      expect(store.isActive(issued.family)).toBe(false);
    }
  });

  it('leaves an unbound family to the cookie alone, until a refresh with a proof binds it', async () => {
    const { store } = tokens();
    const issued = await store.issue(1, true);
    const plain = await store.rotate(issued.token);
    if (!plain.ok) throw new Error('unreachable');
    const bound = await store.rotate(plain.token, 'key-a');
    expect(bound.ok).toBe(true);
    expect(store.boundKey(issued.family)).toBe('key-a');
    if (!bound.ok) throw new Error('unreachable');
    expect(await store.rotate(bound.token)).toEqual({ ok: false, reason: 'wrong_key' });
  });
});

describe('RefreshTokens session ends', () => {
  function listened() {
    const clock = { now: Date.UTC(2026, 0, 1) };
    const ended: string[] = [];
    const store = new RefreshTokens({ ttl: 3600, grace: 0, now: () => clock.now, onEnd: (familyId) => ended.push(familyId) });
    return { clock, ended, store };
  }

  it('tells of a sign-out once, and of nothing for an unknown token', async () => {
    const { ended, store } = listened();
    const issued = await store.issue(1, true);
    await store.revoke('unknown');
    expect(ended).toEqual([]);
    await store.revoke(issued.token);
    await store.revoke(issued.token);
    expect(ended).toEqual([issued.family]);
  });

  it('tells of a family ended by reuse or by another key', async () => {
    const { clock, ended, store } = listened();
    const reused = await store.issue(1, true);
    await store.rotate(reused.token);
    clock.now += 1;
    expect((await store.rotate(reused.token)).ok).toBe(false);
    const bound = await store.issue(1, true, 'key-a');
    expect((await store.rotate(bound.token, 'key-b')).ok).toBe(false);
    expect(ended).toEqual([reused.family, bound.family]);
  });

  it('tells of every live family at a reset, and not of one already ended', async () => {
    const { ended, store } = listened();
    const live = await store.issue(1, true);
    const gone = await store.issue(2, true);
    await store.revoke(gone.token);
    store.reset();
    expect(ended).toEqual([gone.family, live.family]);
  });

  it('says until when a family is live, and nothing once it is not', async () => {
    const { clock, store } = listened();
    const issued = await store.issue(1, true);
    expect(store.activeUntil(issued.family)).toBe(clock.now + 3600_000);
    clock.now += 3600_000;
    expect(store.activeUntil(issued.family)).toBeUndefined();
    expect(store.activeUntil('unknown')).toBeUndefined();
  });
});
