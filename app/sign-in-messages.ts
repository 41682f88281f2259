// What the sign-in page tells the user: a failed sign-in, a missing field, a failed provider sign-in, an ended session.
import { BrokerError, SIGN_IN_ERROR_CODES, type SessionEnd, type SignInErrorCode } from 'sw-token-broker/client';

/** What to tell the user when signing in failed (a rate limit is told apart, with its countdown). */
export function signInFailureMessage(failure: unknown): string {
  if (!(failure instanceof BrokerError)) return 'Sign-in failed. Try again.';
  switch (failure.code) {
    case 'invalid_credentials':
      return 'Username or password is incorrect.';
    case 'auth_unavailable':
    case 'network':
    case 'timeout':
      return 'The sign-in service is unreachable. Check your connection and try again.';
    case 'bad_response':
    case 'internal':
      return 'Sign-in failed unexpectedly. Try again later.';
    case 'not_controlled':
      return 'This page is not protected by the service worker. Reload the page and try again.';
    default:
      return 'Sign-in failed. Try again.';
  }
}

/** Which required fields are empty, and what to ask for; undefined when both are filled in. */
export function missingFields(username: string, password: string): { fields: ('username' | 'password')[]; message: string } | undefined {
  const noUsername = username.trim() === '';
  const noPassword = password === '';
  if (noUsername && noPassword) return { fields: ['username', 'password'], message: 'Enter your username and password.' };
  if (noUsername) return { fields: ['username'], message: 'Enter your username.' };
  if (noPassword) return { fields: ['password'], message: 'Enter your password.' };
  return undefined;
}

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
