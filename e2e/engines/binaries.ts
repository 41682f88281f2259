import { existsSync, readdirSync } from 'node:fs';

/** A program the cross-engine suite runs, and the Debian package that installs it. */
export interface Binary {
  readonly path: string;
  readonly debianPackage: string;
}

/** The first `/usr/lib/<multiarch triplet>/<relative>` that exists, else the x86_64 one (for the message). */
export function multiarchLibPath(relative: string): string {
  const triplets = readdirSync('/usr/lib').filter((name) => name.endsWith('-linux-gnu'));
  const found = triplets.map((triplet) => `/usr/lib/${triplet}/${relative}`).find((path) => existsSync(path));
  return found ?? `/usr/lib/x86_64-linux-gnu/${relative}`;
}

/**
 * Throws, with the exact command that installs them, when any of `binaries` is missing; the
 * command names every package the whole suite still needs (`all`), so one run tells it all.
 */
export function requireBinaries(binaries: readonly Binary[], all: readonly Binary[]): void {
  const missing = binaries.filter((binary) => !existsSync(binary.path));
  if (missing.length === 0) return;
  const packages = [...new Set(all.filter((binary) => !existsSync(binary.path)).map((binary) => binary.debianPackage))];
  throw new Error(
    `Missing ${missing.map((binary) => binary.path).join(', ')}. On Debian/Ubuntu install with:\n` +
      `  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
  );
}
