import { defaultConfig, validateConfig, type BrokerConfig } from './config';

/**
 * The broker's configuration, fixed at build time: edit this to put the broker in front of
 * your own API. `origin` is the worker's own origin.
 *
 * @example
 * // Also lend the token to a separate API host, under /v1/ only:
 * allowlist: [...base.allowlist, { origin: 'https://api.example.com', pathPrefix: '/v1/' }],
 */
export function brokerConfig(origin: string): BrokerConfig {
  const base = defaultConfig(origin);
  return validateConfig({
    ...base,
    allowlist: [...base.allowlist],
  });
}
