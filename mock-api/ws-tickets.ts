import { HttpError } from './errors.ts';
import { freshToken, hashOf } from './opaque-token.ts';

/** How long a WebSocket ticket may wait for its upgrade, seconds. */
export const WS_TICKET_TTL_SECONDS = 30;

/** Whom a ticket was issued to: the user, the session and the page origin it was asked for from. */
export interface TicketHolder {
  userId: number;
  sid: string;
  origin: string;
}

const INVALID = (): HttpError => new HttpError(401, 'invalid_ticket', 'The WebSocket ticket is unknown, used or expired.');

/**
 * One-time WebSocket tickets: 256 random bits, kept only as SHA-256 hashes, for
 * WS_TICKET_TTL_SECONDS, bound to a user, a session and an origin. The page gets a ticket
 * instead of the access token: a browser cannot put an Authorization header on a WebSocket.
 */
export class WsTickets {
  readonly #tickets = new Map<string, TicketHolder & { expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  /** A new ticket for `holder`. */
  async issue(holder: TicketHolder): Promise<string> {
    const { token, hash } = await freshToken();
    const now = this.now();
    this.#forgetExpired(now);
    this.#tickets.set(hash, { ...holder, expiresAt: now + WS_TICKET_TTL_SECONDS * 1000 });
    return token;
  }

  /**
   * The holder of a ticket presented from `origin`; the ticket is used up by this presentation
   * whatever its outcome. Throws 401 invalid_ticket (unknown, used, expired) or 403
   * cross_site_request (another origin than the one it was issued to).
   */
  async redeem(ticket: string | undefined, origin: string | undefined): Promise<TicketHolder> {
    if (!ticket) throw INVALID();
    const hash = await hashOf(ticket);
    const record = this.#tickets.get(hash);
    this.#tickets.delete(hash);
    if (!record || this.now() >= record.expiresAt) throw INVALID();
    if (origin !== record.origin) throw new HttpError(403, 'cross_site_request', 'The ticket was issued to another origin.');
    return { userId: record.userId, sid: record.sid, origin: record.origin };
  }

  /** Forgets every ticket. */
  reset(): void {
    this.#tickets.clear();
  }

  #forgetExpired(now: number): void {
    for (const [hash, record] of this.#tickets) if (now >= record.expiresAt) this.#tickets.delete(hash);
  }
}
