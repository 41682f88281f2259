import { describe, expect, it } from 'vitest';
import { hasIntegrity, parseIntegrity } from './sri.ts';

// Test vectors: the SRI spec's example (section 3.3.2) and the SHA-256 of no bytes.
const HELLO = new TextEncoder().encode("alert('Hello, world.');");
const HELLO_SHA384 = 'sha384-H8BRh8j48O9oYatfu5AZzq6A9RINhZO5H16dQZngK7T62em8MUt1FLm52t+eX6xO';
const EMPTY_SHA256 = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

describe('parseIntegrity', () => {
  it('reads the algorithm and the digest', () => {
    const integrity = parseIntegrity(HELLO_SHA384);
    expect(integrity.algorithm).toBe('SHA-384');
    expect(integrity.digests.map((digest) => digest.length)).toEqual([48]);
    expect(integrity.value).toBe(HELLO_SHA384);
  });

  it('keeps only the strongest algorithm named, with every digest given for it', () => {
    const integrity = parseIntegrity(`${EMPTY_SHA256} ${HELLO_SHA384} ${HELLO_SHA384.replace('H8B', 'AAA')}`);
    expect(integrity.algorithm).toBe('SHA-384');
    expect(integrity.digests).toHaveLength(2);
  });

  it('ignores options and tokens it does not know, as SRI says', () => {
    expect(parseIntegrity(`md5-AAAA ${HELLO_SHA384}?ct=application/javascript`).algorithm).toBe('SHA-384');
  });

  it.each(['', 'sha384-', 'sha384-not*base64', 'md5-1B2M2Y8AsgTpgAmY7PhCfg==', 'sha384-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='])(
    'throws a TypeError for %j',
    (value) => {
      expect(() => parseIntegrity(value)).toThrow(TypeError);
    },
  );
});

describe('hasIntegrity', () => {
  it('accepts the bytes the digest was made of', async () => {
    expect(await hasIntegrity(HELLO, parseIntegrity(HELLO_SHA384))).toBe(true);
    expect(await hasIntegrity(new Uint8Array(), parseIntegrity(EMPTY_SHA256))).toBe(true);
  });

  it('refuses any other bytes', async () => {
    const changed = new TextEncoder().encode("alert('Hello, world!');");
    expect(await hasIntegrity(changed, parseIntegrity(HELLO_SHA384))).toBe(false);
    expect(await hasIntegrity(new Uint8Array(), parseIntegrity(HELLO_SHA384))).toBe(false);
  });

  it('accepts any one of several digests', async () => {
    const other = HELLO_SHA384.replace('H8B', 'AAA');
    expect(await hasIntegrity(HELLO, parseIntegrity(`${other} ${HELLO_SHA384}`))).toBe(true);
  });
});
