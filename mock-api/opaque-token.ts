import { base64url } from 'jose';

/** A new opaque token (256 random bits, base64url) and the SHA-256 hash it is filed under. */
export interface FreshToken {
  token: string;
  hash: string;
}

/** The SHA-256 hash of a token, base64url: what the server keeps instead of the token. */
export async function hashOf(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return base64url.encode(new Uint8Array(digest));
}

/** A fresh token with its hash. */
export async function freshToken(): Promise<FreshToken> {
  const token = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  return { token, hash: await hashOf(token) };
}
