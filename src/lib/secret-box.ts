import { base64UrlDecode, base64UrlEncode, randomBytes, utf8 } from './bytes.ts';

/**
 * Encryption at rest for small secrets that must be recoverable (TOTP shared secrets,
 * third-party tokens): AES-256-GCM, which both hides and authenticates the value, so
 * a modified row fails to open instead of decrypting to garbage.
 *
 * Sealed format: `v1.<iv base64url>.<ciphertext+tag base64url>`, with a fresh random
 * 12-byte IV per seal. The version prefix leaves room to change algorithm or key
 * (e.g. `v2` with a key id) while old rows still open.
 *
 * Optional `aad` (additional authenticated data) binds a ciphertext to its context,
 * e.g. the owner's user id: it is not stored, but opening with a different value
 * fails, so a secret copied onto another user's row is useless.
 *
 * Random 96-bit IVs are safe for up to ~2^32 seals under one key (NIST SP 800-38D);
 * far beyond what per-user secrets need.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
/** GCM authentication tag length; also the minimum ciphertext length (empty plaintext). */
const TAG_BYTES = 16;

/**
 * Imports a 32-byte AES-256 key given as base64 or base64url (e.g. the output of
 * `openssl rand -base64 32`). The key is non-extractable. Throws an Error naming the
 * problem (never the key) if the text is not base64 or not exactly 32 bytes, so a
 * misconfigured secret fails loudly at first use rather than weakening encryption.
 */
export async function importSecretKey(base64Key: string): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = base64UrlDecode(base64Key.trim());
  } catch {
    throw new Error(
      'Secret key is not valid base64/base64url (expected 32 random bytes, e.g. `openssl rand -base64 32`)',
    );
  }
  if (raw.length !== KEY_BYTES) {
    throw new Error(`Secret key must be exactly ${KEY_BYTES} bytes (AES-256), got ${raw.length}`);
  }
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/**
 * The keys of one field, for rotation without downtime: the secret holds one key, or several
 * separated by commas, newest first. The first seals; every one opens. Rotating: put the new
 * key first and keep the old one after it (deploy), re-seal the stored values
 * (`npm run keys:reseal`), then drop the old key.
 */
export interface SecretKeyRing {
  seal: CryptoKey;
  open: CryptoKey[];
}

export async function importSecretKeys(base64Keys: string): Promise<SecretKeyRing> {
  const texts = base64Keys
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  if (texts.length === 0)
    throw new Error('Secret key is empty (expected 32 random bytes, e.g. `openssl rand -base64 32`)');
  const keys = await Promise.all(texts.map(importSecretKey));
  return { seal: keys[0]!, open: keys };
}

type SealingKey = CryptoKey | SecretKeyRing;
const sealKeyOf = (key: SealingKey): CryptoKey => ('seal' in key ? key.seal : key);
const openKeysOf = (key: SealingKey): CryptoKey[] => ('open' in key ? key.open : [key]);

function gcmParams(iv: Uint8Array<ArrayBuffer>, aad: string | undefined) {
  return aad === undefined ? { name: 'AES-GCM', iv } : { name: 'AES-GCM', iv, additionalData: utf8(aad) };
}

/** Encrypts `plaintext` (UTF-8) under `key`, optionally bound to `aad`. */
export async function sealSecret(key: SealingKey, plaintext: string, aad?: string): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt(gcmParams(iv, aad), sealKeyOf(key), utf8(plaintext)));
  return `${VERSION}.${base64UrlEncode(iv)}.${base64UrlEncode(ciphertext)}`;
}

/**
 * Decrypts a value made by `sealSecret` (with any key of a ring). Throws if the format or version is unknown,
 * or if authentication fails: tampered data, wrong key and wrong `aad` are
 * indistinguishable by design, and all mean the value must not be used.
 */
export async function openSecret(key: SealingKey, sealed: string, aad?: string): Promise<string> {
  const parts = sealed.split('.');
  if (parts.length !== 3) throw new Error('Sealed secret is malformed');
  if (parts[0] !== VERSION) throw new Error(`Sealed secret has unknown version "${parts[0]!.slice(0, 16)}"`);
  let iv: Uint8Array<ArrayBuffer>;
  let ciphertext: Uint8Array<ArrayBuffer>;
  try {
    iv = base64UrlDecode(parts[1]!);
    ciphertext = base64UrlDecode(parts[2]!);
  } catch {
    throw new Error('Sealed secret is malformed');
  }
  if (iv.length !== IV_BYTES || ciphertext.length < TAG_BYTES) throw new Error('Sealed secret is malformed');
  for (const candidate of openKeysOf(key)) {
    let plaintext: ArrayBuffer;
    try {
      plaintext = await crypto.subtle.decrypt(gcmParams(iv, aad), candidate, ciphertext);
    } catch {
      continue; // another key of the ring may have sealed it
    }
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plaintext);
  }
  throw new Error('Sealed secret cannot be opened (tampered, wrong key or wrong context)');
}
