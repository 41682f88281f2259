import { del, get, set } from 'idb-keyval';
import { lazyIdbStore } from '../idb.ts';

/** Where the DPoP key pair lives between worker starts: IndexedDB in the worker, a variable in tests. */
export interface KeyStore {
  load(): Promise<CryptoKeyPair | undefined>;
  save(pair: CryptoKeyPair): Promise<void>;
  clear(): Promise<void>;
}

const KEY = 'dpop-key';

function isKeyPair(value: unknown): value is CryptoKeyPair {
  if (typeof value !== 'object' || value === null) return false;
  const { privateKey, publicKey } = value as Record<string, unknown>;
  return privateKey instanceof CryptoKey && publicKey instanceof CryptoKey && privateKey.type === 'private' && !privateKey.extractable;
}

/**
 * The key pair as CryptoKeys in IndexedDB (structured clone keeps the private key
 * non-extractable): pages of the origin can ask it to sign, never read it.
 */
export function createIdbKeyStore(open = lazyIdbStore()): KeyStore {
  return {
    load: async () => {
      const value: unknown = await get(KEY, open());
      return isKeyPair(value) ? value : undefined;
    },
    save: (pair) => set(KEY, { privateKey: pair.privateKey, publicKey: pair.publicKey }, open()),
    clear: () => del(KEY, open()),
  };
}
