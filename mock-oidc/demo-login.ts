import type Provider from 'oidc-provider';
import type { Users } from '../mock-api/users.ts';
import { subjectOf } from './accounts.ts';

/** A Koa middleware of the provider (it is a Koa app). */
export type ProviderMiddleware = Parameters<Provider['use']>[0];

/** Where oidc-provider's development interactions render (GET) and take (POST) their forms. */
const INTERACTION = /^\/interaction\/[\w-]+$/;
const MAX_FORM_BYTES = 16 * 1024;

// Its login page says it takes any login; this one does not, and labels the fields as the app's form does.
const FIELD_LABELS: readonly [string, string][] = [
  ['placeholder="Enter any login"', 'placeholder="Username" aria-label="Username"'],
  ['placeholder="and password"', 'placeholder="Password" aria-label="Password"'],
];

const REFUSED_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p role="alert">Wrong username or password.</p><p><a href="">Try again</a></p></body></html>`;

/** The posted form, or undefined when it is larger than any sign-in form. */
async function formOf(request: AsyncIterable<Buffer>): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.byteLength;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Makes the development interactions' sign-in check the demo users' passwords (`features.devInteractions`
 * takes any login and password): a login form posted with the right password finishes the login
 * prompt with the user's id as the subject; a wrong one gets 401 and a page that says so. The
 * consent prompt and everything else goes on to oidc-provider's own handlers.
 */
export function demoLogin(provider: Provider, users: Users): ProviderMiddleware {
  return async (ctx, next) => {
    const interaction = INTERACTION.test(ctx.path);
    // Without a live interaction (no cookie, expired) oidc-provider's handler answers with its own error page.
    const details =
      interaction && ctx.method === 'POST' ? await provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined) : undefined;
    if (details?.prompt.name !== 'login') {
      await next();
      if (interaction && ctx.method === 'GET' && typeof ctx.body === 'string') {
        ctx.body = FIELD_LABELS.reduce((page, [from, to]) => page.replace(from, to), ctx.body);
      }
      return;
    }
    const form = await formOf(ctx.req);
    if (!form) {
      ctx.status = 413;
      return;
    }
    const user = await users.authenticate(form.get('login') ?? '', form.get('password') ?? '');
    if (!user) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = REFUSED_PAGE;
      return;
    }
    const returnTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: subjectOf(user) } },
      { mergeWithLastSubmission: false },
    );
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
}
