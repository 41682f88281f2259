import { base64url, calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';

/** Why a DPoP proof was refused (RFC 9449 4.3); `use_dpop_nonce` asks for the proof again with the current nonce. */
export type ProofError = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** A checked proof: the thumbprint of its key (what a bound token carries as `cnf.jkt`). */
export type ProofResult = { ok: true; jkt: string } | { ok: false; error: ProofError; reason: string };

/** What a proof must match. */
export interface ProofExpectation {
  method: string;
  /** The request URL; the proof's `htu` must be its origin and path. */
  url: string;
  /** For a resource request: the access token, whose hash the proof's `ath` must be. */
  accessToken?: string;
  /** The nonces the server accepts right now, when it demands one. */
  nonces?: readonly string[];
}

const ENCODER = new TextEncoder();

/**
 * Verifies DPoP proofs (RFC 9449 4.3) with jose: `typ: dpop+jwt`, ES256 only, the key only from
 * the `jwk` header and only a public one, the signature, `htm` and `htu`, `iat` within
 * `windowSeconds` of now, a `jti` never seen within that window, `ath` and `nonce` where due.
 */
export class DpopProofs {
  readonly #seen = new Map<string, number>();

  constructor(private readonly options: { windowSeconds: number; now: () => number; maxRemembered?: number }) {}

  /** Checks the `DPoP` header of a request against what it must match. */
  async verify(header: string | null | undefined, expected: ProofExpectation): Promise<ProofResult> {
    const refuse = (reason: string, error: ProofError = 'invalid_dpop_proof'): ProofResult => ({ ok: false, error, reason });
    if (!header) return refuse('no DPoP proof');
    if (header.includes(',')) return refuse('more than one DPoP proof');
    let payload: Record<string, unknown>;
    let jwk: Record<string, unknown>;
    try {
      const verified = await jwtVerify(header, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        maxTokenAge: this.options.windowSeconds,
        clockTolerance: this.options.windowSeconds,
        currentDate: new Date(this.options.now()),
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk as Record<string, unknown>;
    } catch (error) {
      return refuse(error instanceof Error ? error.message : 'unverifiable proof');
    }
    const url = new URL(expected.url);
    if (payload.htm !== expected.method.toUpperCase()) return refuse('htm does not match the request method');
    if (payload.htu !== `${url.origin}${url.pathname}`) return refuse('htu does not match the request URL');
    if (typeof payload.jti !== 'string' || payload.jti.length < 8 || payload.jti.length > 256) return refuse('jti missing or malformed');
    if (expected.accessToken !== undefined) {
      const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', ENCODER.encode(expected.accessToken))));
      if (payload.ath !== ath) return refuse('ath does not match the access token');
    }
    if (expected.nonces && !expected.nonces.includes(String(payload.nonce))) return refuse('a current nonce is required', 'use_dpop_nonce');
    // Replay: the same jti twice within the window (checked last, so a refused proof can be fixed and sent again).
    const now = this.options.now();
    this.#forget(now);
    if (this.#seen.has(payload.jti)) return refuse('jti already used');
    this.#seen.set(payload.jti, now + 2 * this.options.windowSeconds * 1000);
    return { ok: true, jkt: await calculateJwkThumbprint(jwk) };
  }

  /** Forgets every jti. */
  reset(): void {
    this.#seen.clear();
  }

  #forget(now: number): void {
    for (const [jti, until] of this.#seen) if (until <= now) this.#seen.delete(jti);
    // Bounded even under a flood: the oldest go first (they are also the first to expire).
    const max = this.options.maxRemembered ?? 100_000;
    for (const jti of this.#seen.keys()) {
      if (this.#seen.size <= max) break;
      this.#seen.delete(jti);
    }
  }
}
