import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { transform } from 'esbuild';

/** Where a built file uses syntax that the targets lack, or why it could not be checked. */
export interface SyntaxFinding {
  readonly file: string;
  readonly problem: string;
}

function javascriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.m?js$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The line of `code` around `index`, shortened to fit a message. */
function around(code: string, index: number): string {
  const start = code.lastIndexOf('\n', index) + 1;
  const end = code.indexOf('\n', index);
  const line = code.slice(start, end === -1 ? undefined : end);
  const at = index - start;
  return line.length <= 160 ? line.trim() : `…${line.slice(Math.max(0, at - 60), at + 100)}…`;
}

/**
 * Checks every JavaScript file under `dir` (the app's chunks and `sw.js`) against esbuild's
 * compatibility data for `targets`: esbuild prints a file the same with target `esnext` and with
 * `targets` exactly when it has nothing to lower, so any difference is syntax newer than the
 * targets, and esbuild refuses outright what it cannot lower. Returns the findings (none: pass).
 */
export async function syntaxNewerThan(targets: readonly string[], dir: string): Promise<SyntaxFinding[]> {
  const findings: SyntaxFinding[] = [];
  for (const path of javascriptFiles(dir)) {
    const file = relative(process.cwd(), path);
    const code = readFileSync(path, 'utf8');
    const printed = await transform(code, { loader: 'js', target: 'esnext', charset: 'utf8' });
    try {
      const lowered = await transform(code, { loader: 'js', target: [...targets], charset: 'utf8', logLevel: 'silent' });
      if (lowered.code === printed.code) continue;
      let index = 0;
      while (printed.code[index] === lowered.code[index]) index += 1;
      findings.push({ file, problem: `needs lowering for ${targets.join(', ')} at: ${around(printed.code, index)}` });
    } catch (error) {
      findings.push({ file, problem: error instanceof Error ? error.message : String(error) });
    }
  }
  return findings;
}
