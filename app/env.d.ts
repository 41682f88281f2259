/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** A label for this build, shown in the footer (set VITE_BUILD_ID when building). */
  readonly VITE_BUILD_ID?: string;
}
