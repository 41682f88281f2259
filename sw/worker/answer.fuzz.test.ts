import { describe, expect, it } from 'vitest';
import { anyUser, parseBrokerReply } from '../protocol.ts';
import { answer } from './answer.ts';
import { FakeServer, ManualClock, MemoryStore, testConfig } from './test-fakes.ts';
import { TokenBroker } from './token-broker.ts';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = [
  'login',
  'logout',
  'session',
  'diagnose',
  'queued-writes',
  'replay-writes',
  'SKIP_WAITING',
  'CLAIM',
  'get-token',
  'set-allowlist',
  '__proto__',
  '',
  'LOGIN',
];
const KEYS = ['type', 'username', 'password', 'remember', 'allowlist', 'token', 'constructor', '__proto__'];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * 10);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return Math.floor(next() * 1e6) - 5e5;
    case 3:
      return next() < 0.5;
    case 4:
      return 'x'.repeat(Math.floor(next() * 3000));
    case 5:
      return TYPES[Math.floor(next() * TYPES.length)];
    case 6:
      return depth > 2 ? 'leaf' : Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    default: {
      if (depth > 2) return {};
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i -= 1) object[KEYS[Math.floor(next() * KEYS.length)] ?? 'k'] = value(next, depth + 1);
      if (next() < 0.7) object.type = TYPES[Math.floor(next() * TYPES.length)];
      return object;
    }
  }
}

describe('answer under fuzzing', () => {
  it('answers 5,000 random messages with well-formed replies and never changes the session by accident', async () => {
    const clock = new ManualClock();
    const server = new FakeServer(clock);
    const broker = new TokenBroker(testConfig(), { transport: server.transport, clock, store: new MemoryStore(), log: () => undefined });
    await broker.login({ username: 'test', password: 'test' });
    const next = random(20261122);
    let validLogouts = 0;
    for (let i = 0; i < 5_000; i += 1) {
      const message = value(next, 0);
      const reply = await answer(broker, message);
      expect(parseBrokerReply(reply, anyUser), JSON.stringify(message)?.slice(0, 200)).toEqual(reply);
      const isValidLogout =
        typeof message === 'object' &&
        message !== null &&
        Object.getPrototypeOf(message) === Object.prototype &&
        Object.keys(message).length === 1 &&
        (message as { type?: unknown }).type === 'logout';
      if (isValidLogout) {
        validLogouts += 1;
        await broker.login({ username: 'test', password: 'test' });
      }
    }
    // Only well-formed logout messages signed anyone out.
    expect(validLogouts).toBeGreaterThan(0);
    expect(server.logoutCalls).toBe(validLogouts);
    expect((await broker.session()).status).toBe('signed-in');
    // And the broker still works after all that.
    expect(await answer(broker, { type: 'session' })).toMatchObject({ ok: true, session: { status: 'signed-in' } });
  });
});
