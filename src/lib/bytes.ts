/**
 * Byte helpers shared by the crypto modules (passwords, TOTP, secret box, tokens).
 *
 * Everything here uses only WebCrypto and the web globals `btoa`/`atob`, so it runs
 * unchanged inside workerd, browsers and Node, with no `node:crypto` dependency.
 */

const encoder = new TextEncoder();

/** Largest request `crypto.getRandomValues` accepts in one call (WebCrypto spec). */
const MAX_RANDOM_CHUNK = 65_536;

/** Strings produced by our encoders, optionally with `=` padding (standard or url alphabet). */
const BASE64_ANY = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** UTF-8 bytes of a string (typed as ArrayBuffer-backed, which it always is, so WebCrypto accepts it). */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/**
 * Encodes bytes as base64url without padding (RFC 4648 §5): safe in URLs, cookies,
 * `$`-separated hash strings and `.`-separated envelopes without further escaping.
 */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  // Chunked so a large input never builds an argument list that overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes base64url OR standard base64, padded or not. Accepting both alphabets lets
 * operators paste keys from `openssl rand -base64 32` as well as our own output.
 * Throws a `TypeError` on anything else (whitespace included), so callers decoding
 * untrusted input must catch.
 */
export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (!BASE64_ANY.test(text) || text.length % 4 === 1) throw new TypeError('Invalid base64/base64url text');
  const standard = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Lower-case hex of bytes (digests stored and looked up as text). */
export function hexEncode(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** `n` cryptographically secure random bytes (any size: larger requests are filled in chunks). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randomBytes: invalid length ${n}`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += MAX_RANDOM_CHUNK) crypto.getRandomValues(out.subarray(i, i + MAX_RANDOM_CHUNK));
  return out;
}

/**
 * SHA-256 of the UTF-8 text, as lower-case hex. Used to store high-entropy secrets
 * (refresh tokens, API keys) so a database leak does not leak usable credentials;
 * a fast hash is right here because the inputs are random, not guessable passwords.
 */
export async function sha256Hex(text: string): Promise<string> {
  return hexEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))));
}

/**
 * Compares two byte arrays in time that depends only on their lengths, never on
 * where they first differ, so an attacker timing responses cannot recover a secret
 * byte by byte. No early exit: every byte of `a` is visited even after a mismatch,
 * and a length mismatch is folded into the same accumulator (lengths are public).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * A random, URL-safe token (base64url, no padding) carrying `bytes` bytes of entropy.
 * The default 32 bytes (256 bits) makes guessing infeasible even for long-lived tokens.
 */
export function randomToken(bytes = 32): string {
  return base64UrlEncode(randomBytes(bytes));
}
