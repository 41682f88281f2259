import { freshToken, hashOf, type FreshToken } from './opaque-token.ts';

/** A new refresh token and how long its cookie may live. */
export interface IssuedRefreshToken {
  token: string;
  /** The family (session) id: access tokens carry it as `sid`, and die with the family. */
  family: string;
  /** Seconds left in the family's absolute lifetime: rotation never extends it. */
  maxAge: number;
  /** False for "don't keep me signed in": the cookie then lives only as long as the browser session. */
  persistent: boolean;
}

/** Why a refresh token was refused. */
export type RefusalReason = 'unknown' | 'expired' | 'revoked' | 'reused' | 'wrong_key';

/** The outcome of presenting a refresh token. */
export type RotationResult = ({ ok: true; userId: number } & IssuedRefreshToken) | { ok: false; reason: RefusalReason };

/** A family (a session) as kept and as stored. */
export interface Family {
  userId: number;
  persistent: boolean;
  expiresAt: number;
  revoked: boolean;
  current: string;
  /** The thumbprint of the DPoP key the family was issued to (RFC 9449 5): only that key refreshes it. */
  jkt: string | undefined;
}

/** What is known of one issued token, filed under its hash. */
export interface TokenRecord {
  familyId: string;
  replacedAt?: number;
  graceUsed: boolean;
  /** The hash of the token that replaced this one. */
  successor?: string;
}

/**
 * The state a restart must not lose, as plain structured-cloneable data: families and token
 * hashes, never a token.
 */
export interface RefreshTokensSnapshot {
  families: [string, Family][];
  tokens: [string, TokenRecord][];
}

/**
 * Opaque refresh tokens: 256 random bits, stored only as SHA-256 hashes, rotated on every use
 * and grouped in families created at login (RFC 9700 4.14.2).
 */
export class RefreshTokens {
  readonly #families = new Map<string, Family>();
  readonly #tokens = new Map<string, TokenRecord>();
  /**
   * The plaintext of each token issued by a rotation, kept only until its predecessor's grace
   * ends, so that a retried presentation gets the same successor, not a second chain.
   */
  readonly #recent = new Map<string, { token: string; until: number }>();

  /** `onEnd` hears of every session (family) that is revoked: sign-out, reuse, a wrong key, a reset. */
  constructor(private readonly options: { ttl: number; grace: number; now: () => number; onEnd?: (familyId: string) => void }) {}

  /** Starts a family for a user who just signed in; with `jkt`, bound to that DPoP key. */
  async issue(userId: number, persistent: boolean, jkt?: string): Promise<IssuedRefreshToken> {
    const fresh = await freshToken();
    const familyId = crypto.randomUUID();
    const expiresAt = this.options.now() + this.options.ttl * 1000;
    const family: Family = { userId, persistent, expiresAt, revoked: false, current: '', jkt };
    this.#families.set(familyId, family);
    return this.#adopt(familyId, family, fresh);
  }

  /**
   * Exchanges a refresh token for its successor, or says why not. Every await happens before
   * the state is read, so the check and the update are one step: of concurrent presentations
   * of one token, one rotates, and the rest get the grace answer (that same successor) or
   * revoke the family as reuse.
   */
  async rotate(token: string, jkt?: string): Promise<RotationResult> {
    const [hash, fresh] = await Promise.all([hashOf(token), freshToken()]);
    const now = this.options.now();
    this.#forgetOldSuccessors(now);
    const record = this.#tokens.get(hash);
    // Unknown (tampered, forged, never issued): refuse without touching any family, or
    // anyone could sign anyone out by sending garbage.
    if (!record) return { ok: false, reason: 'unknown' };
    const family = this.#families.get(record.familyId);
    if (!family || family.revoked) return { ok: false, reason: 'revoked' };
    if (now >= family.expiresAt) return { ok: false, reason: 'expired' };
    if (family.jkt !== undefined && family.jkt !== jkt) {
      // RFC 9449 5: a bound refresh token presented without its key's proof was stolen.
      this.#end(record.familyId, family);
      return { ok: false, reason: 'wrong_key' };
    }
    // A family from before DPoP is bound by its first refresh with a proof: the cookie alone
    // could refresh it anyway, so binding it takes nothing from its holder.
    family.jkt ??= jkt;

    if (record.replacedAt !== undefined) {
      // A lost response: within the grace, the just-replaced token gets its successor again,
      // once, while that successor is still the family's current token.
      const successor = record.successor === family.current ? this.#recent.get(family.current) : undefined;
      const withinGrace = now - record.replacedAt <= this.options.grace * 1000 && !record.graceUsed;
      if (!withinGrace || !successor) {
        // RFC 9700 4.14.2: a replayed refresh token means it leaked; end the whole family.
        this.#end(record.familyId, family);
        return { ok: false, reason: 'reused' };
      }
      record.graceUsed = true;
      return { ok: true, userId: family.userId, ...this.#describe(record.familyId, family, successor.token) };
    }
    record.replacedAt = now;
    record.successor = fresh.hash;
    this.#recent.set(fresh.hash, { token: fresh.token, until: now + this.options.grace * 1000 });
    return { ok: true, userId: family.userId, ...this.#adopt(record.familyId, family, fresh) };
  }

  /** Ends the family of a token (logout); unknown tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const record = this.#tokens.get(await hashOf(token));
    const family = record && this.#families.get(record.familyId);
    if (record && family) this.#end(record.familyId, family);
  }

  /** The DPoP key thumbprint a family is bound to, if any. */
  boundKey(familyId: string): string | undefined {
    return this.#families.get(familyId)?.jkt;
  }

  /** Whether a family (an access token's `sid`) is still live: known, not revoked, not expired. */
  isActive(familyId: string): boolean {
    return this.activeUntil(familyId) !== undefined;
  }

  /** When a live family ends by its absolute lifetime (epoch ms), or undefined when it is not live. */
  activeUntil(familyId: string): number | undefined {
    const family = this.#families.get(familyId);
    return family !== undefined && !family.revoked && this.options.now() < family.expiresAt ? family.expiresAt : undefined;
  }

  /** Forgets every family; the live ones end. */
  reset(): void {
    for (const [familyId, family] of this.#families) if (!family.revoked) this.options.onEnd?.(familyId);
    this.#families.clear();
    this.#tokens.clear();
    this.#recent.clear();
  }

  /** A copy of the state to store; the grace's plaintext successors stay out, so storage never holds a token. */
  snapshot(): RefreshTokensSnapshot {
    return {
      families: [...this.#families].map(([id, family]) => [id, { ...family }]),
      tokens: [...this.#tokens].map(([hash, record]) => [hash, { ...record }]),
    };
  }

  /**
   * Replaces the state with a snapshot's. Without the plaintext successors, a token replaced
   * before the restart gets no grace: presenting it again counts as reuse.
   */
  restore(snapshot: RefreshTokensSnapshot): void {
    this.reset();
    for (const [id, family] of snapshot.families) this.#families.set(id, { ...family });
    for (const [hash, record] of snapshot.tokens) this.#tokens.set(hash, { ...record });
  }

  #end(familyId: string, family: Family): void {
    if (family.revoked) return;
    family.revoked = true;
    this.options.onEnd?.(familyId);
  }

  #adopt(familyId: string, family: Family, fresh: FreshToken): IssuedRefreshToken {
    this.#tokens.set(fresh.hash, { familyId, graceUsed: false });
    family.current = fresh.hash;
    return this.#describe(familyId, family, fresh.token);
  }

  #describe(familyId: string, family: Family, token: string): IssuedRefreshToken {
    const maxAge = Math.max(0, Math.floor((family.expiresAt - this.options.now()) / 1000));
    return { token, family: familyId, maxAge, persistent: family.persistent };
  }

  #forgetOldSuccessors(now: number): void {
    for (const [hash, entry] of this.#recent) if (entry.until < now) this.#recent.delete(hash);
  }
}
