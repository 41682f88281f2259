import { base64url } from 'jose';

/**
 * Server-provided DPoP nonces (RFC 9449 8 and 9), rotating every `rotateSeconds`; the current and
 * the previous one are accepted, so a proof made just before a rotation still counts once the
 * client has seen the new one.
 */
export class DpopNonces {
  #current = DpopNonces.#fresh();
  #previous: string | undefined;
  #rotatedAt: number;

  constructor(private readonly options: { rotateSeconds: number; now: () => number }) {
    this.#rotatedAt = options.now();
  }

  static #fresh(): string {
    return base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
  }

  /** The nonce to send in `DPoP-Nonce` now. */
  current(): string {
    if (this.options.now() - this.#rotatedAt >= this.options.rotateSeconds * 1000) this.rotate();
    return this.#current;
  }

  /** The nonces a proof may carry now. */
  accepted(): string[] {
    const current = this.current();
    return this.#previous === undefined ? [current] : [current, this.#previous];
  }

  /** Starts a new nonce at once (the old one stays accepted until the next rotation). */
  rotate(): void {
    this.#previous = this.#current;
    this.#current = DpopNonces.#fresh();
    this.#rotatedAt = this.options.now();
  }
}
