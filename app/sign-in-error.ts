import { SIGN_IN_ERROR_CODES, type SessionEnd, type SignInErrorCode } from 'sw-token-broker/client';

const WORDS: Readonly<Record<SignInErrorCode, string>> = {
  state_mismatch: 'That sign-in link was not started here, was used already or is too old. Sign in again.',
  issuer_mismatch: 'The answer came from another sign-in service than the one this app uses. Sign in again.',
  nonce_mismatch: 'The sign-in service answered for another sign-in. Sign in again.',
  invalid_id_token: 'The sign-in service’s answer could not be verified. Sign in again.',
  access_denied: 'Sign-in was cancelled or refused at the sign-in service.',
  provider_error: 'The sign-in service could not sign you in. Try again.',
  invalid_grant: 'The sign-in expired before it finished. Sign in again.',
  auth_unavailable: 'The sign-in service is unreachable. Check your connection and try again.',
  bad_response: 'The sign-in service answered something unexpected. Try again later.',
};

/**
 * What to tell the user after the worker brought them back from a failed provider sign-in
 * (`?signInError=<code>`), or undefined when the query names no known code.
 */
export function signInErrorMessage(code: unknown): string | undefined {
  return typeof code === 'string' && (SIGN_IN_ERROR_CODES as readonly string[]).includes(code) ? WORDS[code as SignInErrorCode] : undefined;
}

/** What to tell the user when the session ended by itself; undefined when there is nothing to say. */
export function sessionEndMessage(ended: SessionEnd | undefined): string | undefined {
  return ended === 'refresh-token-lost'
    ? 'Your session ended when the browser stopped the app in the background. Sign in again.'
    : undefined;
}
