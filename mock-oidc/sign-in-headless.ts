import { CookieJar } from './cookie-jar.ts';

/** Who signs in. */
export interface HeadlessCredentials {
  username: string;
  password: string;
}

/** A form of one of the provider's pages: where it posts and the fields it carries. */
interface PageForm {
  action: URL;
  fields: Map<string, string>;
}

// Each step is one request: the authorization request, the login page and its post, the resume,
// the consent page and its post, the resume, and the redirect to the client. A loop is a failure.
const MAX_STEPS = 16;

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>' };
const unescape = (value: string): string => value.replace(/&(amp|quot|#39|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
  return value === undefined ? undefined : unescape(value);
}

/** The first POST form of oidc-provider's development pages, with its inputs and their values. */
function firstForm(html: string, base: URL): PageForm | undefined {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  const action = form ? attribute(form[0], 'action') : undefined;
  if (!form?.[1] || action === undefined || attribute(form[0], 'method')?.toLowerCase() !== 'post') return undefined;
  const fields = new Map<string, string>();
  for (const [input] of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, 'name');
    if (name !== undefined) fields.set(name, attribute(input, 'value') ?? '');
  }
  return { action: new URL(action, base), fields };
}

/** What a page that is no form says went wrong (oidc-provider's error page lists `error` and `error_description`). */
function pageText(html: string): string {
  return html
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/**
 * Signs in at a local oidc-provider the way a browser would, with plain `fetch` and a cookie jar:
 * follows the authorization URL's redirects, fills the development login form with `username` and
 * `password`, confirms the consent page, and resolves with the URL the provider finally redirects
 * to on another origin: the client's callback, with `code`, `state` and `iss` (or `error`). Throws
 * when a page has no form to submit, such as a wrong password's or an error page. For tests.
 *
 * @example
 * const callback = await signInHeadless(authorizationUrl, { username: 'ada', password: 'lovelace' });
 * const params = validateAuthResponse(as, client, callback, state);
 */
export async function signInHeadless(authorizationUrl: URL | string, { username, password }: HeadlessCredentials): Promise<URL> {
  const jar = new CookieJar();
  const provider = new URL(authorizationUrl).origin;
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (url.origin !== provider) return url;
    const headers = new Headers();
    const cookie = jar.header(url);
    if (cookie) headers.set('Cookie', cookie);
    const response = await fetch(url, { method: body ? 'POST' : 'GET', headers, body, redirect: 'manual' });
    jar.store(url, response);
    const location = response.headers.get('Location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      body = undefined;
      continue;
    }
    const html = await response.text();
    const form = response.status === 200 ? firstForm(html, url) : undefined;
    if (!form) throw new Error(`sign-in stopped at ${url.pathname} (${response.status}): ${pageText(html)}`);
    // The login page has a `login` field; the consent page only hidden ones.
    if (form.fields.has('login')) form.fields.set('login', username).set('password', password);
    url = form.action;
    body = new URLSearchParams([...form.fields]);
  }
  throw new Error(`sign-in did not reach the client within ${MAX_STEPS} requests`);
}
