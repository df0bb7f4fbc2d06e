import { randomBytes, timingSafeEqual, utf8 } from './bytes.ts';

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) with the parameters
 * every authenticator app supports: HMAC-SHA1, 6 digits, 30-second steps. SHA-1 is
 * fine here: HOTP relies on HMAC's PRF property, not on collision resistance, and
 * SHA-256/8-digit variants are silently mis-handled by several popular apps.
 */

const TOTP_DIGITS = 6;
const TOTP_PERIOD_SECONDS = 30;
/** RFC 4226 §4 recommends a 160-bit shared secret (the HMAC-SHA1 block-friendly size). */
const SECRET_BYTES = 20;
/** Steps tolerated either side of "now" beyond this would make guessing too easy; treat larger as a bug. */
const MAX_WINDOW = 10;

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, without `=` padding (what authenticator apps expect in otpauth URIs). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32. Tolerant of what humans type when copying a secret by
 * hand: lower case, spaces (apps show it in groups) and trailing `=` padding.
 * Throws a `TypeError` on any other character.
 */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/\s+/g, '').replace(/=+$/, '').toUpperCase();
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of clean) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new TypeError('Invalid base32 text');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** A new shared secret for enrolment: 20 random bytes as unpadded base32 (32 characters). */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/**
 * The `otpauth://` URI an authenticator app scans from a QR code (Google Authenticator
 * Key Uri Format). The issuer appears both as the label prefix and as the `issuer`
 * parameter, which is what lets apps show the right name and icon. Each part is
 * percent-encoded (spaces as %20, never `+`, which several apps show literally).
 */
export function totpUri({
  secret,
  accountName,
  issuer,
}: {
  secret: string;
  accountName: string;
  issuer: string;
}): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    `secret=${encodeURIComponent(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

/** The TOTP step (RFC 6238 "T") containing the instant `nowMs`. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

function importTotpKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', base32Decode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
}

/** RFC 4226 HOTP value for counter `step`, as zero-padded digits. */
async function hotp(key: CryptoKey, step: number): Promise<string> {
  const counter = new Uint8Array(8);
  const view = new DataView(counter.buffer);
  // 64-bit big-endian counter; split because bitwise ops in JS are 32-bit.
  view.setUint32(0, Math.floor(step / 2 ** 32));
  view.setUint32(4, step >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, counter));
  // Dynamic truncation (RFC 4226 §5.3).
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, '0');
}

/** The 6-digit code for a base32 `secret` at TOTP step `step` (see `totpStep`). */
export async function totpCode(secret: string, step: number): Promise<string> {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`totpCode: invalid step ${step}`);
  return hotp(await importTotpKey(secret), step);
}

export interface VerifyTotpOptions {
  /** Current time in ms since the epoch (default `Date.now()`); injectable for tests. */
  now?: number;
  /** Steps accepted either side of the current one, for clock drift and typing time (default 1: ±30 s). */
  window?: number;
  /** Step of the last code this user had accepted; only later steps are accepted (replay protection). */
  lastUsedStep?: number | null;
}

/**
 * Verifies a 6-digit code against the secret within ±`window` steps of now.
 *
 * A code is accepted only if its step is later than `lastUsedStep`; the caller must
 * store the returned `step` as the new `lastUsedStep`, which makes every code
 * single-use (an observed or phished code cannot be replayed within its validity).
 * All candidate steps are computed and compared in constant time, so the response
 * time does not reveal which step (if any) matched.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  { now = Date.now(), window = 1, lastUsedStep = null }: VerifyTotpOptions = {},
): Promise<{ ok: true; step: number } | { ok: false }> {
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW)
    throw new RangeError(`verifyTotp: invalid window ${window}`);
  if (typeof code !== 'string' || !/^\d{6}$/.test(code)) return { ok: false };
  const key = await importTotpKey(secret);
  const current = totpStep(now);
  const given = utf8(code);
  let accepted: number | undefined;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const matches = timingSafeEqual(utf8(await hotp(key, step)), given);
    if (matches && accepted === undefined && (lastUsedStep === null || step > lastUsedStep)) accepted = step;
  }
  return accepted === undefined ? { ok: false } : { ok: true, step: accepted };
}
