// A local OpenID Provider (panva's oidc-provider) for the demo, its tests and `npm run start:oidc`.
export { startOidcProvider, listenForProvider, type OidcProvider, type OidcProviderOptions, type ProviderSocket } from './provider.ts';
export { startOidcStack, type OidcStack, type OidcStackOptions } from './stack.ts';
export { buildOidcApp, DIST_OIDC, type OidcBuildOptions } from './build-app.ts';
export { signInHeadless, type HeadlessCredentials } from './sign-in-headless.ts';
export { DEMO_CLIENT, JWKS_PATH } from './provider-config.ts';
