import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds the production app with extra build-time environment (`{ VITE_STATIC_ROUTING: 'off' }`)
 * into a new temporary folder, and returns the folder; the caller removes it.
 */
export function buildVariant(env: Record<string, string>, name: string): string {
  const outDir = mkdtempSync(join(tmpdir(), `broker-${name}-`));
  const built = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`the ${name} build failed:\n${built.stdout}\n${built.stderr}`);
  return outDir;
}
