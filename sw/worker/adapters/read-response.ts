import { decodeJwt } from 'jose';
import { BrokerError } from '../../errors.ts';
import { isPlainObject } from '../../protocol.ts';

/** Which call an answer belongs to, for messages. */
export type Step = 'login' | 'refresh';

/** How a preset reads a failed answer: which statuses mean what. */
export interface FailureRules {
  /** Statuses that mean "wrong username or password" on sign-in. */
  readonly invalidCredentials: (status: number, oauthError: string | undefined) => boolean;
  /** Whether a failed refresh means the refresh token is dead (the session is over). */
  readonly sessionEnded: (status: number, oauthError: string | undefined) => boolean;
}

/** Reads a JSON object body, or throws `bad_response` saying what came instead. */
export async function readJsonObject(response: Response, step: Step): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    const type = response.headers.get('Content-Type') ?? 'none';
    throw new BrokerError('bad_response', `${step}: the ${response.status} response is not JSON (Content-Type: ${type}).`);
  }
  if (!isPlainObject(body)) throw new BrokerError('bad_response', `${step}: the response body is JSON but not an object.`);
  return body;
}

/** The RFC 6749 5.2 `error` code of a failed answer, if its body has one. */
export async function oauthErrorOf(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.json();
    return isPlainObject(body) && typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined; // Not JSON: the status alone decides.
  }
}

/** `Retry-After` in seconds, when the server sent a number. */
export function retryAfterOf(response: Response): number | undefined {
  const raw = response.headers.get('Retry-After');
  const value = raw === null ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * The `error` parameter of a Bearer (RFC 6750 3) or DPoP challenge in `WWW-Authenticate`:
 * undefined when there is no such challenge, `''` when it has no error code.
 */
export function bearerErrorOf(response: Response): string | undefined {
  const header = response.headers.get('WWW-Authenticate');
  if (header === null || !/(?:^|,)\s*(?:bearer|dpop)\b/i.test(header)) return undefined;
  return /\berror\s*=\s*"?([^",\s]*)/i.exec(header)?.[1] ?? '';
}

const TRANSIENT = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** The BrokerError a failed sign-in or refresh answer stands for, under a preset's rules. */
export async function failureOf(response: Response, step: Step, rules: FailureRules): Promise<BrokerError> {
  const status = response.status;
  const oauthError = await oauthErrorOf(response);
  if (step === 'login' && status === 429) {
    return new BrokerError('rate_limited', 'Too many sign-in attempts; try again later.', retryAfterOf(response));
  }
  if (step === 'login' && rules.invalidCredentials(status, oauthError))
    return new BrokerError('invalid_credentials', 'Username or password is incorrect.');
  if (step === 'refresh' && rules.sessionEnded(status, oauthError))
    return new BrokerError('invalid_grant', 'The session has ended; sign in again.');
  if (TRANSIENT(status))
    return new BrokerError('auth_unavailable', `${step}: the token server answered ${status}; try again shortly.`, retryAfterOf(response));
  if (step === 'login' && status === 400)
    return new BrokerError('bad_request', `login: the token server refused the request (${oauthError ?? 'status 400'}).`);
  return new BrokerError('bad_response', `${step}: unexpected status ${status}${oauthError ? ` (${oauthError})` : ''}.`);
}

/** A string field that must be there, or `bad_response` naming it. */
export function requireString(body: Record<string, unknown>, field: string, step: Step): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new BrokerError('bad_response', `${step}: "${field}" is missing or not a non-empty string.`);
  return value;
}

/** A lifetime in seconds that must be a positive number, or `bad_response` naming the field. */
export function requireLifetime(value: unknown, field: string, step: Step): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new BrokerError('bad_response', `${step}: "${field}" is missing or not a positive number of seconds.`);
  }
  return value;
}

/**
 * A JWT's lifetime as its issuer set it (`exp - iat`, both from the server's clock), for servers
 * that send no `expires_in`. The token is decoded, not verified: the API verifies it.
 */
export function lifetimeFromJwt(token: string, step: Step): number {
  let claims: { exp?: unknown; iat?: unknown };
  try {
    claims = decodeJwt(token);
  } catch {
    throw new BrokerError(
      'bad_response',
      `${step}: no expires_in, and the access token is not a JWT to read "exp" from; set the adapter's expiresIn.`,
    );
  }
  if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
    throw new BrokerError(
      'bad_response',
      `${step}: no expires_in, and the access token has no numeric "exp" and "iat"; set the adapter's expiresIn.`,
    );
  }
  return requireLifetime(claims.exp - claims.iat, 'exp - iat', step);
}
