import { BrokerError } from 'sw-token-broker/client';

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
