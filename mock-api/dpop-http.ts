import type { Context, MiddlewareHandler } from 'hono';
import type { JWTPayload } from 'jose';
import type { MockApiConfig } from './config.ts';
import { DpopNonces } from './dpop-nonces.ts';
import { DpopProofs, type ProofResult } from './dpop-proofs.ts';
import { HttpError, type ApiErrorCode } from './errors.ts';

/** The server's DPoP state: the mode, whether it demands nonces (switchable at run time), proofs and nonces. */
export interface DpopServer {
  mode: MockApiConfig['dpop'];
  demandNonce: boolean;
  proofs: DpopProofs;
  nonces: DpopNonces;
}

/** The DPoP state for a configuration. */
export function createDpopServer(config: MockApiConfig): DpopServer {
  return {
    mode: config.dpop,
    demandNonce: config.dpopNonce,
    proofs: new DpopProofs({ windowSeconds: config.dpopWindowSeconds, now: config.now }),
    nonces: new DpopNonces({ rotateSeconds: config.dpopWindowSeconds, now: config.now }),
  };
}

/** While nonces are demanded, every token-endpoint and API answer carries the current one. */
export function nonceHeader(dpop: DpopServer): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (dpop.mode !== 'off' && dpop.demandNonce) c.header('DPoP-Nonce', dpop.nonces.current());
  };
}

function verify(c: Context, dpop: DpopServer, accessToken?: string): Promise<ProofResult> {
  return dpop.proofs.verify(c.req.header('DPoP'), {
    method: c.req.method,
    url: c.req.url,
    ...(accessToken === undefined ? {} : { accessToken }),
    ...(dpop.demandNonce ? { nonces: dpop.nonces.accepted() } : {}),
  });
}

/**
 * The key a token request proves (RFC 9449 5), or undefined when it sends no proof and may go
 * without; a bad proof is `400 invalid_dpop_proof`, a missing or stale nonce `400 use_dpop_nonce`.
 */
export async function tokenRequestKey(c: Context, dpop: DpopServer): Promise<string | undefined> {
  if (dpop.mode === 'off') return undefined;
  if (c.req.header('DPoP') === undefined && dpop.mode === 'optional') return undefined;
  const result = await verify(c, dpop);
  if (!result.ok) throw new HttpError(400, result.error, `DPoP proof refused: ${result.reason}.`);
  return result.jkt;
}

const refuse = (reason: string, error: ApiErrorCode = 'invalid_token'): HttpError =>
  new HttpError(401, error, `The access token is refused: ${reason}.`, { 'WWW-Authenticate': `DPoP algs="ES256", error="${error}"` });

/**
 * Checks how a verified access token was presented (RFC 9449 7): a bound one (`cnf.jkt`) only
 * as `DPoP` with a proof of that key for this request and this token; an unbound one only as
 * `Bearer`, and not at all when DPoP is required.
 */
export async function checkPresentation(c: Context, dpop: DpopServer, scheme: string, token: string, payload: JWTPayload): Promise<void> {
  const bound = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
  if (typeof bound !== 'string') {
    if (scheme !== 'Bearer') throw refuse('an unbound token must be sent as Bearer');
    if (dpop.mode === 'required') throw refuse('DPoP is required');
    return;
  }
  if (scheme !== 'DPoP') throw refuse('a DPoP-bound token must be sent with the DPoP scheme');
  const result = await verify(c, dpop, token);
  if (!result.ok) throw refuse(result.reason, result.error === 'use_dpop_nonce' ? 'use_dpop_nonce' : 'invalid_token');
  if (result.jkt !== bound) throw refuse("the proof is another key's");
}
