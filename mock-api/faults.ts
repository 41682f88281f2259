import { HttpError } from './errors.ts';

/** What `/auth/refresh` does instead of its job, for tests of a failing token endpoint. */
export type RefreshFault = 'hang' | 'unavailable';

const REFRESH_FAULTS: readonly RefreshFault[] = ['hang', 'unavailable'];

/** Injected failures, switched by `POST /__mock/faults` (MOCK_CONTROLS=1 only). */
export class Faults {
  #refresh: RefreshFault | undefined;
  readonly #hanging = new Set<() => void>();

  /** Sets the faults from a request body `{ refresh: "hang" | "unavailable" | null }`. */
  set(body: Record<string, unknown> | undefined): void {
    const refresh = body?.refresh ?? null;
    if (refresh !== null && !REFRESH_FAULTS.includes(refresh as RefreshFault)) {
      throw new HttpError(400, 'invalid_request', 'refresh must be "hang", "unavailable" or null.');
    }
    this.#refresh = refresh === null ? undefined : (refresh as RefreshFault);
    if (!this.#refresh) this.clear();
  }

  /** Lets every hanging request go (each is answered 503) and turns the faults off. */
  clear(): void {
    this.#refresh = undefined;
    for (const release of this.#hanging) release();
    this.#hanging.clear();
  }

  /** Throws the configured refresh fault, after hanging until cleared when it is `hang`. */
  async refresh(): Promise<void> {
    const fault = this.#refresh;
    if (fault === 'hang') await new Promise<void>((resolve) => this.#hanging.add(resolve));
    if (fault) {
      throw new HttpError(503, 'server_error', 'The token endpoint is unavailable (injected fault).', { 'Retry-After': '1' });
    }
  }
}
