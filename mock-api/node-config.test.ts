import { describe, expect, it } from 'vitest';
import { configFromEnv, providerFromEnv } from './node-config.ts';

describe('OIDC_ISSUER and OIDC_CLIENT_ID', () => {
  it('name no provider when OIDC_ISSUER is unset or empty', () => {
    expect(providerFromEnv({})).toBeUndefined();
    expect(providerFromEnv({ OIDC_ISSUER: '' })).toBeUndefined();
    expect(configFromEnv({}).provider).toBeUndefined();
  });

  it('name the issuer and the client, demo-spa by default', () => {
    expect(providerFromEnv({ OIDC_ISSUER: 'https://id.example/realms/demo' })).toEqual({
      issuer: 'https://id.example/realms/demo',
      clientId: 'demo-spa',
    });
    expect(configFromEnv({ OIDC_ISSUER: 'http://127.0.0.1:4174', OIDC_CLIENT_ID: 'mine' }).provider).toEqual({
      issuer: 'http://127.0.0.1:4174',
      clientId: 'mine',
    });
  });

  it.each(['id.example', 'ftp://id.example', 'https://id.example/?realm=demo', 'https://id.example/#x'])(
    'refuse %s as an issuer',
    (issuer) => {
      expect(() => providerFromEnv({ OIDC_ISSUER: issuer })).toThrow(/OIDC_ISSUER/);
    },
  );
});
