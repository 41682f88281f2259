import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds the app into a temporary folder with extra build-time variables (`VITE_DPOP=off`,
 * `VITE_SW_PROFILE=on`, ...), for a benchmark to compare with the production build. Returns the folder.
 */
export function buildVariant(name: string, env: Record<string, string>): string {
  const outDir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const built = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`the ${name} build failed:\n${built.stdout}\n${built.stderr}`);
  return outDir;
}
