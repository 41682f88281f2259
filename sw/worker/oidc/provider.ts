import {
  allowInsecureRequests,
  customFetch,
  discoveryRequest,
  DPoP,
  processDiscoveryResponse,
  type AuthorizationServer,
  type Client,
  type CustomFetchOptions,
  type DPoPHandle,
  type HttpRequestOptions,
} from 'oauth4webapi';
import { BrokerError } from '../../errors.ts';
import type { RedirectContext } from '../adapters/redirect-adapter.ts';
import { bareUrl } from '../log.ts';
import { withTimeout } from '../timeout.ts';
import type { OidcSettings } from './oidc-options.ts';

/** What oauth4webapi hands its fetch: one type for its GETs and its form POSTs. */
type FetchInit = CustomFetchOptions<string, URLSearchParams | undefined>;

/** The HTTP options every oauth4webapi call gets: the broker's transport, the timeout's signal, loopback http where configured. */
export type ProviderHttp = HttpRequestOptions<'GET'> & HttpRequestOptions<'POST', URLSearchParams>;

/** Why an error is worth saying in a log line: its message, never a token (oauth4webapi puts none in messages). */
export const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The worker's connection to one OpenID Provider: its metadata (discovered on first need, kept in
 * memory, found again after a failure), the HTTP options for oauth4webapi (the broker's transport,
 * bounded by the broker's timeout) and the DPoP handle over the broker's key.
 */
export class Provider {
  readonly client: Client;
  readonly #settings: OidcSettings;
  readonly #context: RedirectContext;
  #metadata: Promise<AuthorizationServer> | undefined;
  #dpop: { key: CryptoKey; handle: DPoPHandle } | undefined;

  constructor(settings: OidcSettings, context: RedirectContext) {
    this.#settings = settings;
    this.#context = context;
    this.client = { client_id: settings.clientId };
  }

  /** oauth4webapi's options for one call: the broker's transport (no cookies), `signal`, and http on loopback if configured. */
  http(signal: AbortSignal): ProviderHttp {
    return {
      signal,
      [customFetch]: (url: string, init: FetchInit) => this.#fetch(url, init),
      ...(this.#settings.insecure ? { [allowInsecureRequests]: true } : {}),
    };
  }

  /** Runs `task` with a signal that ends it after the broker's `authTimeoutMs` (then `timeout`). */
  bounded<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = this.#context.timeoutMs;
    return withTimeout(ms, task, `The OpenID Provider did not answer within ${ms} ms.`);
  }

  /** The provider's metadata; `auth_unavailable` saying why when discovery fails (the next call tries again). */
  metadata(): Promise<AuthorizationServer> {
    if (!this.#metadata) {
      const found = this.#discover();
      this.#metadata = found;
      found.catch(() => {
        if (this.#metadata === found) this.#metadata = undefined;
      });
    }
    return this.#metadata;
  }

  /** The DPoP handle over the broker's current key (a new session's new key gets a new handle), or none without DPoP. */
  async dpop(): Promise<DPoPHandle | undefined> {
    const pair = await this.#context.dpopKey?.();
    if (!pair) return undefined;
    if (this.#dpop?.key !== pair.privateKey) this.#dpop = { key: pair.privateKey, handle: DPoP(this.client, pair) };
    return this.#dpop.handle;
  }

  async #discover(): Promise<AuthorizationServer> {
    const issuer = this.#settings.issuer;
    const where = `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let metadata: AuthorizationServer;
    try {
      metadata = await this.bounded(async (signal) => processDiscoveryResponse(issuer, await discoveryRequest(issuer, this.http(signal))));
    } catch (error) {
      throw new BrokerError('auth_unavailable', `OpenID Provider discovery failed at ${where}: ${reasonOf(error)}`, undefined, {
        cause: error,
      });
    }
    const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter((name) => !metadata[name]);
    const pkce = metadata.code_challenge_methods_supported;
    const problem =
      missing.length > 0
        ? `it names no ${missing.join(', ')}`
        : pkce && !pkce.includes('S256')
          ? 'it does not support PKCE with S256 (code_challenge_methods_supported)'
          : undefined;
    if (problem)
      throw new BrokerError('auth_unavailable', `The OpenID Provider's discovery document at ${where} is not usable: ${problem}.`);
    return metadata;
  }

  async #fetch(url: string, init: FetchInit): Promise<Response> {
    const request = new Request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body ?? null,
      redirect: init.redirect,
      signal: init.signal ?? null,
      cache: 'no-store',
      credentials: 'omit', // the provider's token endpoints take no cookies from the worker
    });
    try {
      return await this.#context.transport(request);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      const origin = new URL(url).origin;
      const hint =
        origin === this.#context.origin
          ? ''
          : ` The worker's Content-Security-Policy must allow it (connect-src ${origin}), and it must answer CORS for ${this.#context.origin}.`;
      throw new BrokerError('network', `${bareUrl(url)} could not be reached (${reasonOf(error)}).${hint}`, undefined, { cause: error });
    }
  }
}
