/** How long an object URL outlives its click, ms. */
export const REVOKE_AFTER_MS = 1000;

/**
 * Hands a Blob to the browser as a download named `filename`: an object URL on a temporary
 * `<a download>`, clicked, then revoked. A plain link to an API URL would be a navigation-like
 * request, which the service worker never lends the token.
 */
export function saveFile(blob: Blob, filename: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  doc.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Some engines read the URL only after the click has returned: free it a moment later.
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
