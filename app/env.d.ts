/// <reference types="vite/client" />

// For tools that read .ts without vue-tsc (typescript-eslint): vue-tsc resolves real .vue files first.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}

interface ImportMetaEnv {
  /** A label for this build, shown in the footer (set VITE_BUILD_ID when building). */
  readonly VITE_BUILD_ID?: string;
  /** `off` builds the worker without DPoP (Bearer tokens), for comparison. */
  readonly VITE_DPOP?: string;
  /** True in the in-browser demo build (`npm run build:demo`, vite.config.ts defines it). */
  readonly VITE_IN_BROWSER_DEMO: boolean;
  /** `off` builds the worker without the precache integrity check, for comparison. */
  readonly VITE_PRECACHE_INTEGRITY?: string;
  /** `off` builds the worker without static routing (every request wakes it), for comparison. */
  readonly VITE_STATIC_ROUTING?: string;
  /** An OpenID Provider's issuer URL: the worker signs in there (code + PKCE) instead of with the password form (`npm run start:oidc` sets it). */
  readonly VITE_OIDC_ISSUER?: string;
  /** The client id registered at that provider; default `demo-spa`. */
  readonly VITE_OIDC_CLIENT_ID?: string;
}
