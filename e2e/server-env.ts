/** The access-token lifetime the end-to-end server runs with: short, so expiry is testable. */
export const ACCESS_TTL_SECONDS = 4;

/** The origin the end-to-end server listens on (set by playwright.config.ts). */
export function baseUrl(): string {
  const port = process.env.E2E_PORT;
  if (!port) throw new Error('E2E_PORT is not set; run the suite through playwright.config.ts');
  return `http://127.0.0.1:${port}`;
}
