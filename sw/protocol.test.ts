import { describe, expect, it } from 'vitest';
import { anyUser, isClaimMessage, isSkipWaitingMessage, parseBrokerReply, parseBrokerRequest, parseSessionChanged } from './protocol.ts';

describe('worker control messages', () => {
  it('recognizes exactly { type: "CLAIM" } and { type: "SKIP_WAITING" }', () => {
    expect(isClaimMessage({ type: 'CLAIM' })).toBe(true);
    expect(isSkipWaitingMessage({ type: 'SKIP_WAITING' })).toBe(true);
    for (const other of [{ type: 'claim' }, { type: 'CLAIM', extra: 1 }, 'CLAIM', null, [], { type: 'SKIP_WAITING' }]) {
      expect(isClaimMessage(other)).toBe(false);
    }
    expect(isSkipWaitingMessage({ type: 'CLAIM' })).toBe(false);
  });
});

describe('authorize', () => {
  it('accepts { type: "authorize" } with an optional returnUrl string', () => {
    expect(parseBrokerRequest({ type: 'authorize' })).toEqual({ ok: true, request: { type: 'authorize' } });
    expect(parseBrokerRequest({ type: 'authorize', returnUrl: '/todos?x=1' })).toEqual({
      ok: true,
      request: { type: 'authorize', returnUrl: '/todos?x=1' },
    });
  });

  it.each([
    ['an extra field', { type: 'authorize', returnUrl: '/', prompt: 'none' }],
    ['a returnUrl that is not a string', { type: 'authorize', returnUrl: 42 }],
    ['an empty returnUrl', { type: 'authorize', returnUrl: '' }],
    ['a returnUrl over 2048 characters', { type: 'authorize', returnUrl: `/${'a'.repeat(2048)}` }],
  ])('refuses %s', (_name, message) => {
    expect(parseBrokerRequest(message)).toMatchObject({ ok: false });
  });

  it('reads an authorization URL reply, refusing one that is not an http(s) URL', () => {
    expect(parseBrokerReply({ ok: true, authorizationUrl: 'https://id.test/authorize?x=1' }, anyUser)).toEqual({
      ok: true,
      authorizationUrl: 'https://id.test/authorize?x=1',
    });
    for (const url of ['javascript:alert(1)', '/relative', 7])
      expect(parseBrokerReply({ ok: true, authorizationUrl: url }, anyUser)).toBeUndefined();
  });
});

describe('logout and session replies', () => {
  it('carries an end-session URL when the worker gives one, and only an http(s) one', () => {
    const session = { status: 'signed-out' };
    const endSessionUrl = 'https://id.test/session/end?client_id=demo-spa';
    expect(parseBrokerReply({ ok: true, session, endSessionUrl }, anyUser)).toEqual({ ok: true, session, endSessionUrl });
    expect(parseBrokerReply({ ok: true, session, endSessionUrl: 'data:text/html,x' }, anyUser)).toBeUndefined();
  });

  it('keeps a known reason a session ended, and drops an unknown one', () => {
    const ended = { type: 'session-changed', session: { status: 'signed-out', ended: 'refresh-token-lost' } };
    expect(parseSessionChanged(ended, anyUser)).toEqual(ended);
    expect(parseSessionChanged({ ...ended, session: { status: 'signed-out', ended: 'bored' } }, anyUser)).toEqual({
      type: 'session-changed',
      session: { status: 'signed-out' },
    });
  });
});
