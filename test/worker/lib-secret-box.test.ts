import { describe, expect, it } from 'vitest';

import { base64UrlDecode, base64UrlEncode, randomBytes } from '../../src/lib/bytes.ts';
import { importSecretKey, importSecretKeys, openSecret, sealSecret } from '../../src/lib/secret-box.ts';

const keyText = () => base64UrlEncode(randomBytes(32));

/** Standard (padded, `+`/`/`) base64 of 32 bytes, as `openssl rand -base64 32` prints it. */
const OPENSSL_STYLE_KEY = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 250 - i)));

function tamper(sealed: string, part: 1 | 2, byteIndex: number): string {
  const parts = sealed.split('.');
  const bytes = base64UrlDecode(parts[part]!);
  bytes[byteIndex]! ^= 0x01;
  parts[part] = base64UrlEncode(bytes);
  return parts.join('.');
}

describe('importSecretKey', () => {
  it('accepts 32 bytes as base64url or standard base64 (with a trailing newline)', async () => {
    await expect(importSecretKey(keyText())).resolves.toBeDefined();
    expect(OPENSSL_STYLE_KEY).toMatch(/[+/]/);
    expect(OPENSSL_STYLE_KEY.endsWith('=')).toBe(true);
    const key = await importSecretKey(`${OPENSSL_STYLE_KEY}\n`);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect(key.extractable).toBe(false);
  });

  it('throws a clear error on the wrong length or non-base64 text', async () => {
    await expect(importSecretKey(base64UrlEncode(randomBytes(16)))).rejects.toThrow(
      'Secret key must be exactly 32 bytes (AES-256), got 16',
    );
    await expect(importSecretKey(base64UrlEncode(randomBytes(33)))).rejects.toThrow('got 33');
    await expect(importSecretKey('')).rejects.toThrow('got 0');
    await expect(importSecretKey('this is not base64!')).rejects.toThrow('not valid base64');
  });
});

describe('sealSecret / openSecret', () => {
  it('round-trips and uses a fresh IV every time', async () => {
    const key = await importSecretKey(keyText());
    const plaintext = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const sealed = await sealSecret(key, plaintext);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(base64UrlDecode(sealed.split('.')[1]!)).toHaveLength(12);
    expect(base64UrlDecode(sealed.split('.')[2]!)).toHaveLength(plaintext.length + 16); // ciphertext + GCM tag
    expect(await openSecret(key, sealed)).toBe(plaintext);
    const again = await sealSecret(key, plaintext);
    expect(again).not.toBe(sealed);
    expect(await openSecret(key, again)).toBe(plaintext);
    expect(await openSecret(key, await sealSecret(key, ''))).toBe('');
    expect(await openSecret(key, await sealSecret(key, 'ünïcødé 🔐'))).toBe('ünïcødé 🔐');
  });

  it('rejects tampered IV, ciphertext and tag', async () => {
    const key = await importSecretKey(keyText());
    const sealed = await sealSecret(key, 'top secret');
    const ciphertextLength = base64UrlDecode(sealed.split('.')[2]!).length;
    for (const forged of [tamper(sealed, 1, 0), tamper(sealed, 2, 0), tamper(sealed, 2, ciphertextLength - 1)]) {
      await expect(openSecret(key, forged)).rejects.toThrow('cannot be opened');
    }
    // Truncated ciphertext (tag cut off).
    const [v, iv, ct] = sealed.split('.');
    await expect(openSecret(key, `${v}.${iv}.${base64UrlEncode(base64UrlDecode(ct!).slice(0, 8))}`)).rejects.toThrow(
      'malformed',
    );
  });

  it('rejects the wrong key', async () => {
    const sealed = await sealSecret(await importSecretKey(keyText()), 'top secret');
    await expect(openSecret(await importSecretKey(keyText()), sealed)).rejects.toThrow('cannot be opened');
  });

  it('binds to the additional data', async () => {
    const key = await importSecretKey(keyText());
    const sealed = await sealSecret(key, 'top secret', 'user:alice');
    expect(await openSecret(key, sealed, 'user:alice')).toBe('top secret');
    await expect(openSecret(key, sealed, 'user:bob')).rejects.toThrow('cannot be opened');
    await expect(openSecret(key, sealed)).rejects.toThrow('cannot be opened');
    const unbound = await sealSecret(key, 'top secret');
    await expect(openSecret(key, unbound, 'user:alice')).rejects.toThrow('cannot be opened');
  });

  it('rejects malformed envelopes and unknown versions', async () => {
    const key = await importSecretKey(keyText());
    const sealed = await sealSecret(key, 'top secret');
    await expect(openSecret(key, sealed.replace(/^v1\./, 'v2.'))).rejects.toThrow('unknown version "v2"');
    await expect(openSecret(key, sealed.replace(/^v1\./, ''))).rejects.toThrow('malformed');
    await expect(openSecret(key, `${sealed}.extra`)).rejects.toThrow('malformed');
    await expect(openSecret(key, 'v1.!!!.???')).rejects.toThrow('malformed');
    await expect(openSecret(key, `v1.${base64UrlEncode(randomBytes(8))}.${sealed.split('.')[2]}`)).rejects.toThrow(
      'malformed',
    );
    await expect(openSecret(key, '')).rejects.toThrow('malformed');
  });
});

describe('key rings (rotation)', () => {
  it('seals with the first key and opens with any key of the ring', async () => {
    const [oldKey, newKey] = [keyText(), keyText()];
    const sealedOld = await sealSecret(await importSecretKeys(oldKey), 'old secret', 'user-1');
    const ring = await importSecretKeys(` ${newKey}, ${oldKey} `);
    expect(await openSecret(ring, sealedOld, 'user-1')).toBe('old secret');
    const sealedNew = await sealSecret(ring, 'new secret', 'user-1');
    expect(await openSecret(await importSecretKeys(newKey), sealedNew, 'user-1')).toBe('new secret');
    // The old key alone cannot open what the new one sealed, and the context still binds.
    await expect(openSecret(await importSecretKeys(oldKey), sealedNew, 'user-1')).rejects.toThrow(/cannot be opened/);
    await expect(openSecret(ring, sealedOld, 'user-2')).rejects.toThrow(/cannot be opened/);
  });

  it('refuses an empty ring or one bad key in it', async () => {
    await expect(importSecretKeys(' , ')).rejects.toThrow(/empty/);
    await expect(importSecretKeys(`${keyText()},short`)).rejects.toThrow();
  });
});
