import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where `npm run start:oidc` builds the app: beside dist/, so `npm start`'s build stays as it is. */
export const DIST_OIDC = join(import.meta.dirname, '..', 'dist-oidc');

const ROOT = join(import.meta.dirname, '..');
const VITE = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');

/** What the app is built against. */
export interface OidcBuildOptions {
  /** An absolute folder (vite's root is app/, so a relative one would land there). */
  outDir: string;
  issuer: string;
  clientId: string;
  /** Keep vite's output to itself (it is still in the error when the build fails). */
  quiet?: boolean;
}

/**
 * Runs the production build (`vite build`, as `npm run build` does) into `outDir`, telling the app
 * and its worker the OpenID Provider: VITE_OIDC_ISSUER and VITE_OIDC_CLIENT_ID.
 */
export function buildOidcApp({ outDir, issuer, clientId, quiet = false }: OidcBuildOptions): Promise<void> {
  const child = spawn(process.execPath, [VITE, 'build', '--outDir', outDir], {
    cwd: ROOT,
    env: { ...process.env, VITE_OIDC_ISSUER: issuer, VITE_OIDC_CLIENT_ID: clientId },
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}${output ? `:\n${output}` : ''}`)),
    );
  });
}
