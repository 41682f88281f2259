/** Where the broker writes one-line reasons for failures. */
export type Log = (line: string) => void;

/** The default log: the worker's console, where a developer looks. */
export const consoleLog: Log = (line) => console.warn(`[token-broker] ${line}`);

/** A log that drops everything (`log: false`). */
export const silentLog: Log = () => undefined;

/** The URL without query or fragment: log lines name endpoints, never what they carried. */
export function bareUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}
