import type { QueuedAnswer, QueuedWrite } from '../protocol.ts';

/** A JSON error response in the API's own shape: `{ error, message }`. */
export function errorResponse(status: number, error: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error, message }), {
    status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
  });
}

/** 403 for a page request to the token endpoints: only the worker talks to them. */
export function brokerOnlyResponse(): Response {
  return errorResponse(403, 'broker_only', 'Only the service worker may call the token endpoints.');
}

/** 503 for a request that needed a token while the token endpoint could not be reached. */
export function authUnavailableResponse(retryAfterSeconds: number): Response {
  return errorResponse(503, 'auth_unavailable', 'The sign-in service is unavailable; the session is kept. Try again shortly.', {
    'Retry-After': String(retryAfterSeconds),
  });
}

/** 303 for a navigation the worker answered itself (the end of a sign-in at a provider): the browser goes on to `location`. */
export function seeOtherResponse(location: string): Response {
  // no-referrer: the callback's URL, with its code, is never anybody's Referer.
  return new Response(null, {
    status: 303,
    headers: { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
  });
}

/** 202 for a write that failed on the network and waits in the offline queue. */
export function queuedResponse(write: QueuedWrite): Response {
  const body: QueuedAnswer = { queued: true, write };
  return new Response(JSON.stringify(body), {
    status: 202,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  });
}
