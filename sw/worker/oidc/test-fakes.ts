import { calculateJwkThumbprint, EmbeddedJWK, exportJWK, generateKeyPair, jwtVerify, SignJWT, base64url, type JWK } from 'jose';
import { calculatePKCECodeChallenge } from 'oauth4webapi';
import type { ManualClock } from '../test-fakes.ts';

/** The fake provider's issuer, client and the app origin it redirects back to. */
export const ISSUER = 'https://id.test';
export const CLIENT_ID = 'demo-spa';
export const RESOURCE = 'http://app.test/api/';
/** A second API on the app's origin with its own audience (RFC 8707). */
export const RESOURCE2 = 'http://app.test/api2/';

interface Code {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string;
  sub: string;
  jkt: string | undefined;
  used: boolean;
}

interface Family {
  sub: string;
  jkt: string | undefined;
  current: string;
  /** Refresh tokens rotated away: presenting one again revokes the family. */
  used: Set<string>;
  revoked: boolean;
}

/** What the next authorization response carries instead of a code, or how it is tampered with. */
export interface Approval {
  sub?: string;
  error?: string;
  state?: string;
  iss?: string | null;
}

const random = (): string => base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
const form = async (request: Request): Promise<URLSearchParams> => new URLSearchParams(await request.text());
const oauthError = (error: string, status = 400, headers: Record<string, string> = {}): Response =>
  Response.json({ error }, { status, headers: { 'Cache-Control': 'no-store', ...headers } });

/**
 * A scripted OpenID Provider and a resource API behind one Transport: discovery, JWKS, codes with
 * PKCE S256 and `dpop_jkt`, ES256 ID tokens (on the real clock, which oauth4webapi checks them
 * against), DPoP-bound tokens, refresh-token rotation with reuse detection (a replay revokes the
 * family), revocation and an end-session endpoint; counters for every call.
 */
export class FakeProvider {
  /** Demand DPoP nonces at the token endpoint (RFC 9449 8). */
  requireNonce = false;
  /** Bind tokens to the proof's key (token_type DPoP); false: Bearer tokens even with a proof. */
  bindTokens = true;
  /** Access-token lifetime, seconds (on the broker's manual clock). */
  accessTtl = 300;
  /** The nonce the next ID token carries instead of the right one. */
  wrongNonce: string | undefined;
  /** Sign the next ID token with a key the JWKS does not have. */
  forgeSignature = false;
  /** `down`: every call fails on the network; `unavailable`: the token endpoint answers 503. */
  mode: 'ok' | 'down' | 'unavailable' = 'ok';
  /** Whether discovery lists a revocation and an end-session endpoint. */
  endpoints = { revocation: true, endSession: true };
  readonly tokenCalls: { grantType: string; proof: boolean; resource: string | null }[] = [];
  readonly revoked: string[] = [];
  reuseDetected = 0;
  readonly apiCalls: { authorization: string | null; ok: boolean }[] = [];
  #codes = new Map<string, Code>();
  #families: Family[] = [];
  #access = new Map<string, { expiresAt: number; jkt: string | undefined; aud: string | null }>();
  #nonce = random();
  #keys: Promise<{ privateKey: CryptoKey; jwk: JWK }>;
  #forged: Promise<{ privateKey: CryptoKey }>;

  constructor(private readonly clock: ManualClock) {
    this.#keys = generateKeyPair('ES256').then(async ({ privateKey, publicKey }) => ({
      privateKey,
      jwk: { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' },
    }));
    this.#forged = generateKeyPair('ES256');
  }

  /** The refresh tokens that are current (not yet rotated away), newest family last. */
  get currentRefreshTokens(): string[] {
    return this.#families.filter((family) => !family.revoked).map((family) => family.current);
  }

  /** The provider's answer to an authorization URL: the callback URL the browser would be sent to. */
  approve(authorizationUrl: string, approval: Approval = {}): string {
    const params = new URL(authorizationUrl).searchParams;
    const callback = new URL(params.get('redirect_uri') ?? '');
    const state = approval.state ?? params.get('state') ?? '';
    if (state !== '') callback.searchParams.set('state', state);
    if (approval.iss !== null) callback.searchParams.set('iss', approval.iss ?? ISSUER);
    if (approval.error) {
      callback.searchParams.set('error', approval.error);
      return callback.href;
    }
    const code = random();
    this.#codes.set(code, {
      clientId: params.get('client_id') ?? '',
      redirectUri: params.get('redirect_uri') ?? '',
      challenge: params.get('code_challenge') ?? '',
      nonce: params.get('nonce') ?? '',
      sub: approval.sub ?? 'user-1',
      jkt: params.get('dpop_jkt') ?? undefined,
      used: false,
    });
    callback.searchParams.set('code', code);
    return callback.href;
  }

  readonly transport = async (request: Request): Promise<Response> => {
    if (this.mode === 'down') throw new TypeError('Failed to fetch');
    const url = new URL(request.url);
    if (url.origin !== ISSUER) return this.#api(request);
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return Response.json({
          issuer: ISSUER,
          authorization_endpoint: `${ISSUER}/authorize`,
          token_endpoint: `${ISSUER}/token`,
          jwks_uri: `${ISSUER}/jwks`,
          ...(this.endpoints.revocation ? { revocation_endpoint: `${ISSUER}/revoke` } : {}),
          ...(this.endpoints.endSession ? { end_session_endpoint: `${ISSUER}/session/end` } : {}),
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['ES256'],
          dpop_signing_alg_values_supported: ['ES256'],
          authorization_response_iss_parameter_supported: true,
        });
      case '/jwks':
        return Response.json({ keys: [(await this.#keys).jwk] });
      case '/token':
        return this.#token(request);
      case '/revoke':
        this.revoked.push((await form(request)).get('token') ?? '');
        return new Response(null, { status: 200 });
      default:
        return oauthError('not_found', 404);
    }
  };

  /** The DPoP proof's key thumbprint, its nonce, or undefined without a (valid) proof. */
  async #proof(request: Request): Promise<{ jkt: string; nonce: unknown } | undefined> {
    const header = request.headers.get('DPoP');
    if (!header) return undefined;
    const { payload, protectedHeader } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt' });
    const url = new URL(request.url);
    if (payload.htm !== request.method || payload.htu !== `${url.origin}${url.pathname}`) return undefined;
    return { jkt: await calculateJwkThumbprint(protectedHeader.jwk ?? {}), nonce: payload.nonce };
  }

  async #token(request: Request): Promise<Response> {
    const body = await form(request);
    const proof = await this.#proof(request);
    this.tokenCalls.push({ grantType: body.get('grant_type') ?? '', proof: proof !== undefined, resource: body.get('resource') });
    if (this.mode === 'unavailable') return oauthError('temporarily_unavailable', 503);
    if (this.requireNonce && proof?.nonce !== this.#nonce) return oauthError('use_dpop_nonce', 400, { 'DPoP-Nonce': this.#nonce });
    if (body.get('client_id') !== CLIENT_ID) return oauthError('invalid_client', 401);
    if (body.get('grant_type') === 'authorization_code') {
      const code = this.#codes.get(body.get('code') ?? '');
      const verifier = body.get('code_verifier') ?? '';
      if (
        !code ||
        code.used ||
        code.redirectUri !== body.get('redirect_uri') ||
        (await calculatePKCECodeChallenge(verifier)) !== code.challenge
      )
        return oauthError('invalid_grant');
      if (code.jkt !== undefined && code.jkt !== proof?.jkt) return oauthError('invalid_dpop_proof');
      code.used = true;
      const jkt = this.bindTokens ? proof?.jkt : undefined;
      const family: Family = { sub: code.sub, jkt, current: random(), used: new Set(), revoked: false };
      this.#families.push(family);
      return this.#grant(family, code.nonce, body.get('resource'));
    }
    if (body.get('grant_type') === 'refresh_token') {
      const presented = body.get('refresh_token') ?? '';
      const replayed = this.#families.find((entry) => entry.used.has(presented));
      if (replayed) {
        replayed.revoked = true; // RFC 9700 4.14: a replayed refresh token revokes its family
        this.reuseDetected += 1;
      }
      const family = this.#families.find((entry) => entry.current === presented);
      if (!family || family.revoked || this.revoked.includes(presented)) return oauthError('invalid_grant');
      if (family.jkt !== undefined && family.jkt !== proof?.jkt) return oauthError('invalid_grant');
      family.used.add(presented);
      family.current = random();
      return this.#grant(family, undefined, body.get('resource'));
    }
    return oauthError('unsupported_grant_type');
  }

  async #grant(family: Family, nonce: string | undefined, aud: string | null): Promise<Response> {
    const accessToken = random();
    this.#access.set(accessToken, { expiresAt: this.clock.now() + this.accessTtl * 1000, jkt: family.jkt, aud });
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({
      ...(nonce === undefined ? {} : { nonce: this.wrongNonce ?? nonce }),
      preferred_username: 'test',
      given_name: 'Test',
      family_name: 'User',
      sid: 'session-1',
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(CLIENT_ID)
      .setSubject(family.sub)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(this.forgeSignature ? (await this.#forged).privateKey : (await this.#keys).privateKey);
    return Response.json(
      {
        access_token: accessToken,
        token_type: family.jkt ? 'DPoP' : 'Bearer',
        expires_in: this.accessTtl,
        refresh_token: family.current,
        id_token: idToken,
        scope: 'openid profile offline_access',
      },
      { headers: { 'Cache-Control': 'no-store', ...(this.requireNonce ? { 'DPoP-Nonce': this.#nonce } : {}) } },
    );
  }

  async #api(request: Request): Promise<Response> {
    const authorization = request.headers.get('Authorization');
    const [scheme, token] = authorization?.split(' ') ?? [];
    const held = this.#access.get(token ?? '');
    const proof = await this.#proof(request).catch(() => undefined);
    // Each API takes only tokens for its own audience.
    const audience = new URL(request.url).pathname.startsWith('/api2/') ? RESOURCE2 : RESOURCE;
    const ok =
      held !== undefined &&
      held.aud === audience &&
      this.clock.now() < held.expiresAt &&
      (held.jkt === undefined ? scheme === 'Bearer' : scheme === 'DPoP' && proof?.jkt === held.jkt);
    this.apiCalls.push({ authorization, ok });
    if (ok) return Response.json({ ok: true });
    return new Response(null, { status: 401, headers: { 'WWW-Authenticate': `${held?.jkt ? 'DPoP' : 'Bearer'} error="invalid_token"` } });
  }
}
