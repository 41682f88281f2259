import { base64url, CompactSign, type JWK } from 'jose';
import { bearerErrorOf, oauthErrorOf } from '../adapters/read-response.ts';
import type { Clock } from '../token-broker.ts';
import type { KeyStore } from './key-store.ts';

/** Where a response came from, for reading what DPoP asks of the next request. */
export type DpopStep = 'token' | 'api';

/** A signed proof, the nonce it carries (if any), and the server-clock offset its `iat` used. */
export interface Proof {
  header: string;
  nonce: string | undefined;
  offsetMs: number;
}

/** Proofs of possession (RFC 9449) with one key per session, and what the servers said about nonces. */
export interface Dpop {
  /** A `DPoP` proof for one request; `accessToken` adds `ath` (for resource requests). */
  proof(method: string, url: string, accessToken?: string): Promise<Proof>;
  /**
   * Remembers a response's `DPoP-Nonce` and the server's clock, and says whether to send the
   * request once more: when it asks for a nonce other than the one `sent` carried (RFC 9449 8
   * and 9: `use_dpop_nonce`; concurrent requests that carried the old one each retry once), or
   * when it refused the proof and the server's clock turned out to be far from what `sent`
   * assumed (the local clock moved, or was off from the start).
   */
  observe(url: string, response: Response, step: DpopStep, sent: Proof): Promise<boolean>;
  /** The public key as a JWK (bound tokens carry its RFC 7638 thumbprint as `cnf.jkt`). */
  publicJwk(): Promise<JWK>;
  /** The key pair itself (the private key non-extractable), for a client that signs its own proofs with it (oauth4webapi's `DPoP()`). */
  keyPair?(): Promise<CryptoKeyPair>;
  /** Drops the key: the next session gets a new one. */
  reset(): Promise<void>;
}

interface SessionKey {
  pair: CryptoKeyPair;
  privateKey: CryptoKey;
  /** The protected header, the same for every proof of this key. */
  header: { alg: 'ES256'; typ: 'dpop+jwt'; jwk: JWK };
}

const ENCODER = new TextEncoder();
const DPOP_CHALLENGE = /^\s*dpop\b/i;
/** How far the assumed server clock may be off before a refused proof is worth sending again, ms. */
const CLOCK_SLACK_MS = 30_000;

/** The RFC 6749 5.2 error code of a token endpoint's 400, read from a copy of the answer. */
async function tokenError(response: Response): Promise<string | undefined> {
  return response.status === 400 ? oauthErrorOf(response.clone()) : undefined;
}

/** Whether an answer refused the request's proof (or, at an API, the token it came with). */
async function refusedProof(response: Response, step: DpopStep): Promise<boolean> {
  if (step === 'api') return response.status === 401 && DPOP_CHALLENGE.test(response.headers.get('WWW-Authenticate') ?? '');
  return (await tokenError(response)) === 'invalid_dpop_proof';
}

async function asksForNonce(response: Response, step: DpopStep): Promise<boolean> {
  if (step === 'api') return response.status === 401 && bearerErrorOf(response) === 'use_dpop_nonce';
  return (await tokenError(response)) === 'use_dpop_nonce';
}

/**
 * Signs DPoP proofs with jose's CompactSign: `typ: dpop+jwt`, ES256, the public key in `jwk`;
 * claims `jti`, `htm`, `htu`, `iat` (on the server's clock, from its `Date` header, so a client
 * clock that is off still makes fresh proofs), `ath` and `nonce` where due. The key is a
 * non-extractable P-256 pair made by WebCrypto on first need and kept in the KeyStore; the
 * protected header and the `ath` of the current token are computed once, so a request costs
 * one signature.
 */
export function createDpop(deps: { store: KeyStore; clock: Clock }): Dpop {
  let key: Promise<SessionKey> | undefined;
  const nonces = new Map<string, string>();
  let serverOffsetMs = 0;
  let ath: { token: string; value: Promise<string> } | undefined;

  async function loadOrCreate(): Promise<SessionKey> {
    let pair = await deps.store.load().catch(() => undefined);
    if (!pair) {
      // WebCrypto itself makes the pair: the private key is non-extractable from birth.
      pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      await deps.store.save(pair).catch(() => undefined); // Without storage the key lasts as long as this worker.
    }
    const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK;
    return { pair, privateKey: pair.privateKey, header: { alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } } };
  }

  function sessionKey(): Promise<SessionKey> {
    key ??= loadOrCreate();
    key.catch(() => (key = undefined));
    return key;
  }

  function athOf(token: string): Promise<string> {
    if (ath?.token !== token) {
      const value = crypto.subtle.digest('SHA-256', ENCODER.encode(token)).then((digest) => base64url.encode(new Uint8Array(digest)));
      ath = { token, value };
    }
    return ath.value;
  }

  return {
    async proof(method, url, accessToken) {
      const { privateKey, header } = await sessionKey();
      const { origin, pathname } = new URL(url);
      const nonce = nonces.get(origin);
      const claims = {
        jti: crypto.randomUUID(),
        htm: method.toUpperCase(),
        htu: `${origin}${pathname}`, // RFC 9449 4.2: the URL without query and fragment
        iat: Math.floor((deps.clock.now() + serverOffsetMs) / 1000),
        ...(nonce === undefined ? {} : { nonce }),
        ...(accessToken === undefined ? {} : { ath: await athOf(accessToken) }),
      };
      const signed = await new CompactSign(ENCODER.encode(JSON.stringify(claims))).setProtectedHeader(header).sign(privateKey);
      return { header: signed, nonce, offsetMs: serverOffsetMs };
    },

    async observe(url, response, step, sent) {
      const date = Date.parse(response.headers.get('Date') ?? '');
      if (Number.isFinite(date)) serverOffsetMs = date - deps.clock.now();
      const nonce = response.headers.get('DPoP-Nonce');
      if (nonce !== null && nonce !== '') {
        nonces.set(new URL(url).origin, nonce);
        if (nonce !== sent.nonce && (await asksForNonce(response, step))) return true;
      }
      return Math.abs(serverOffsetMs - sent.offsetMs) > CLOCK_SLACK_MS && (await refusedProof(response, step));
    },

    async publicJwk() {
      return (await sessionKey()).header.jwk;
    },

    async keyPair() {
      return (await sessionKey()).pair;
    },

    async reset() {
      key = undefined;
      ath = undefined;
      nonces.clear();
      await deps.store.clear().catch(() => undefined);
    },
  };
}
