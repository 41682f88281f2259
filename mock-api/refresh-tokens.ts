import { base64url } from 'jose';

/** A new refresh token and how long its cookie may live. */
export interface IssuedRefreshToken {
  token: string;
  /** Seconds left in the family's absolute lifetime: rotation never extends it. */
  maxAge: number;
  /** False for "don't keep me signed in": the cookie then lives only as long as the browser session. */
  persistent: boolean;
}

/** Why a refresh token was refused. */
export type RefusalReason = 'unknown' | 'expired' | 'revoked' | 'reused';

/** The outcome of presenting a refresh token. */
export type RotationResult = ({ ok: true; userId: number } & IssuedRefreshToken) | { ok: false; reason: RefusalReason };

interface Family {
  userId: number;
  persistent: boolean;
  expiresAt: number;
  revoked: boolean;
  current: string;
}

interface TokenRecord {
  familyId: string;
  replacedAt?: number;
  graceUsed: boolean;
}

async function hashOf(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * Opaque refresh tokens: 256 random bits, stored only as SHA-256 hashes, rotated on every use
 * and grouped in families created at login (RFC 9700 4.14.2).
 */
export class RefreshTokens {
  readonly #families = new Map<string, Family>();
  readonly #tokens = new Map<string, TokenRecord>();

  constructor(private readonly options: { ttl: number; grace: number; now: () => number }) {}

  /** Starts a family for a user who just signed in. */
  async issue(userId: number, persistent: boolean): Promise<IssuedRefreshToken> {
    const familyId = crypto.randomUUID();
    const family: Family = { userId, persistent, expiresAt: this.options.now() + this.options.ttl * 1000, revoked: false, current: '' };
    this.#families.set(familyId, family);
    return this.#next(familyId, family);
  }

  /** Exchanges a refresh token for its successor, or says why not. */
  async rotate(token: string): Promise<RotationResult> {
    const hash = await hashOf(token);
    const record = this.#tokens.get(hash);
    // Unknown (tampered, forged, never issued): refuse without touching any family, or
    // anyone could sign anyone out by sending garbage.
    if (!record) return { ok: false, reason: 'unknown' };
    const family = this.#families.get(record.familyId);
    if (!family || family.revoked) return { ok: false, reason: 'revoked' };
    const now = this.options.now();
    if (now >= family.expiresAt) return { ok: false, reason: 'expired' };

    if (record.replacedAt !== undefined) {
      const withinGrace = now - record.replacedAt <= this.options.grace * 1000 && !record.graceUsed;
      if (!withinGrace) {
        // RFC 9700 4.14.2: a replayed refresh token means it leaked; end the whole family.
        family.revoked = true;
        return { ok: false, reason: 'reused' };
      }
      // A lost response: honour the just-replaced token once, and give its successor the
      // same grace in case that one is still in flight to another client.
      record.graceUsed = true;
      const current = this.#tokens.get(family.current);
      if (current && current.replacedAt === undefined) current.replacedAt = now;
    } else {
      record.replacedAt = now;
    }
    return { ok: true, userId: family.userId, ...(await this.#next(record.familyId, family)) };
  }

  /** Ends the family of a token (logout); unknown tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const record = this.#tokens.get(await hashOf(token));
    const family = record && this.#families.get(record.familyId);
    if (family) family.revoked = true;
  }

  /** Forgets every family. */
  reset(): void {
    this.#families.clear();
    this.#tokens.clear();
  }

  async #next(familyId: string, family: Family): Promise<IssuedRefreshToken> {
    const token = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
    const hash = await hashOf(token);
    this.#tokens.set(hash, { familyId, graceUsed: false });
    family.current = hash;
    return { token, maxAge: Math.max(0, Math.floor((family.expiresAt - this.options.now()) / 1000)), persistent: family.persistent };
  }
}
