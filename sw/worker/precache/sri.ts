/** The digest algorithms Subresource Integrity defines, by their WebCrypto names. */
export type IntegrityAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** A parsed Subresource Integrity value: the strongest algorithm it names and the digests it allows for it. */
export interface Integrity {
  /** The value as written (what `fetch` is given as `integrity`). */
  value: string;
  algorithm: IntegrityAlgorithm;
  /** Bytes match when their digest is any one of these (SRI allows several, e.g. during a rollout). */
  digests: readonly Uint8Array[];
}

// Weakest first: SRI 3.3.4 checks only the strongest algorithm a value names.
const ALGORITHMS: readonly (readonly [string, IntegrityAlgorithm, number])[] = [
  ['sha256', 'SHA-256', 32],
  ['sha384', 'SHA-384', 48],
  ['sha512', 'SHA-512', 64],
];
// SRI 3.1: hash-algorithm "-" base64-value, then optional "?" options; entries are space-separated.
const HASH = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?\S*)?$/;

/** The bytes of a standard-alphabet base64 value; undefined when it is not one. */
function base64Bytes(value: string): Uint8Array | undefined {
  try {
    // SRI uses the standard alphabet with padding, which jose's base64url refuses; atob is the platform's decoder.
    return Uint8Array.from(atob(value), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Parses an SRI `integrity` value (`sha384-…`, as workbox-build writes it into the precache
 * manifest). Throws a TypeError when it names no sha256, sha384 or sha512 digest of the right length.
 */
export function parseIntegrity(value: string): Integrity {
  const found = new Map<IntegrityAlgorithm, Uint8Array[]>();
  for (const token of value.trim().split(/\s+/)) {
    const match = HASH.exec(token);
    const spec = ALGORITHMS.find(([name]) => name === match?.[1]);
    const bytes = match?.[2] === undefined ? undefined : base64Bytes(match[2]);
    if (!spec || !bytes || bytes.length !== spec[2]) continue;
    found.set(spec[1], [...(found.get(spec[1]) ?? []), bytes]);
  }
  for (const [, algorithm] of [...ALGORITHMS].reverse()) {
    const digests = found.get(algorithm);
    if (digests) return { value, algorithm, digests };
  }
  throw new TypeError(`integrity ${JSON.stringify(value)} names no sha256, sha384 or sha512 digest`);
}

/** Whether two digests are equal. Not constant-time: the build's digests are public. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** Whether `bytes` have one of the digests `integrity` allows, hashed with WebCrypto. */
export async function hasIntegrity(bytes: BufferSource, integrity: Integrity): Promise<boolean> {
  const digest = new Uint8Array(await crypto.subtle.digest(integrity.algorithm, bytes));
  return integrity.digests.some((expected) => sameBytes(digest, expected));
}
