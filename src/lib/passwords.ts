import { compare as bcryptCompare } from 'bcryptjs';

import { base64UrlDecode, base64UrlEncode, randomBytes, timingSafeEqual, utf8 } from './bytes.ts';

/**
 * Password hashing and verification.
 *
 * New hashes are PBKDF2-HMAC-SHA256 in a self-describing, versioned string:
 *
 *     $pbkdf2-sha256$v=1$i=100000$<salt base64url>$<hash base64url>
 *
 * PBKDF2 is the only password KDF WebCrypto offers, and Workers WebCrypto refuses
 * more than 100,000 iterations, so that is both our target and the ceiling. Because
 * the cost and format version live in the string, raising either later only needs
 * `verifyPassword` to report `needsRehash` and the login path to re-hash: no
 * migration job and no flag day.
 *
 * Format version 1 normalizes the password to Unicode NFC before hashing, so the
 * same password typed on systems that compose accents differently still matches.
 *
 * Legacy bcrypt hashes (`$2a$`, `$2b$`, `$2y$`) imported from the old Java system
 * verify through bcryptjs (pure JS, hence slow and CPU-billed) and always report
 * `needsRehash`, so they disappear as their owners sign in.
 */

/** Current PBKDF2 iteration count: the maximum Workers WebCrypto accepts. */
export const PBKDF2_ITERATIONS = 100_000;
/** Highest iteration count WebCrypto in workerd will compute; stored values above it cannot be verified here. */
const PBKDF2_MAX_ITERATIONS = 100_000;
/** Current format version (the `v=` field). */
const PASSWORD_HASH_VERSION = 1;
const PBKDF2_ID = 'pbkdf2-sha256';
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * bcrypt costs above this are refused instead of computed: each step doubles the
 * work, and a cost-31 value (corrupt import, or a malicious row) would pin the
 * isolate's CPU for days. Cost 14 is already ~4x the usual Java default of 10-12.
 */
const MAX_BCRYPT_COST = 14;
const BCRYPT_FORMAT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** Stored value of accounts that have no password (social-login only). Never verifies. */
export const UNUSABLE_PASSWORD = '!';

export interface PasswordVerdict {
  /** The password matches the stored hash. */
  ok: boolean;
  /** Only meaningful when `ok`: the stored hash is weaker or older than current policy; store `hashPassword(password)`. */
  needsRehash: boolean;
}

const rejected = (): PasswordVerdict => ({ ok: false, needsRehash: false });

interface Pbkdf2Hash {
  version: number;
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

async function pbkdf2(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', utf8(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, bytes * 8);
  return new Uint8Array(bits);
}

function encodePbkdf2(h: Pbkdf2Hash): string {
  return `$${PBKDF2_ID}$v=${h.version}$i=${h.iterations}$${base64UrlEncode(h.salt)}$${base64UrlEncode(h.hash)}`;
}

/** Parses our PBKDF2 format; `undefined` for anything malformed or not computable here. */
function parsePbkdf2(stored: string): Pbkdf2Hash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== '' || parts[1] !== PBKDF2_ID) return undefined;
  const version = /^v=(\d{1,4})$/.exec(parts[2]!)?.[1];
  const iterations = /^i=(\d{1,9})$/.exec(parts[3]!)?.[1];
  if (version === undefined || iterations === undefined) return undefined;
  const parsed = { version: Number(version), iterations: Number(iterations) };
  // A version from the future means a newer deployment wrote it: we cannot know its rules.
  if (parsed.version < 1 || parsed.version > PASSWORD_HASH_VERSION) return undefined;
  if (parsed.iterations < 1 || parsed.iterations > PBKDF2_MAX_ITERATIONS) return undefined;
  try {
    const salt = base64UrlDecode(parts[4]!);
    const hash = base64UrlDecode(parts[5]!);
    // Bounds keep a corrupt row from asking for absurd work; 8-byte salts / 16-byte keys are legacy minimums.
    if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return undefined;
    return { ...parsed, salt, hash };
  } catch {
    return undefined;
  }
}

/**
 * Hashes a password for storage with a fresh 16-byte salt at the current cost.
 * Always returns the current format; callers never choose parameters.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await pbkdf2(password, salt, PBKDF2_ITERATIONS, KEY_BYTES);
  return encodePbkdf2({ version: PASSWORD_HASH_VERSION, iterations: PBKDF2_ITERATIONS, salt, hash });
}

async function verifyPbkdf2(password: string, h: Pbkdf2Hash): Promise<PasswordVerdict> {
  const derived = await pbkdf2(password, h.salt, h.iterations, h.hash.length);
  const ok = timingSafeEqual(derived, h.hash);
  const weaker =
    h.version < PASSWORD_HASH_VERSION ||
    h.iterations < PBKDF2_ITERATIONS ||
    h.salt.length < SALT_BYTES ||
    h.hash.length < KEY_BYTES;
  return { ok, needsRehash: ok && weaker };
}

/**
 * A syntactically valid hash at the current cost that no password matches in
 * practice (the expected key is 32 zero bytes). Built from the constants so it
 * keeps costing exactly what a real hash costs if the iteration count changes.
 */
const DUMMY_HASH: Pbkdf2Hash = {
  version: PASSWORD_HASH_VERSION,
  iterations: PBKDF2_ITERATIONS,
  salt: utf8('dummy-salt-16byt'),
  hash: new Uint8Array(KEY_BYTES),
};

/**
 * Does the work of a real verification against a fixed dummy hash and discards the
 * result. Call it when the login names no user, so "unknown user" and "wrong
 * password" take the same time and cannot be told apart (no user enumeration).
 */
export async function verifyDummyPassword(password: string): Promise<void> {
  try {
    await verifyPbkdf2(password, DUMMY_HASH);
  } catch {
    // Never let the decoy path fail differently from the real one.
  }
}

/**
 * Checks a password against a stored hash (ours or legacy bcrypt).
 *
 * Never throws: an unknown format, a corrupt value, the unusable marker `!` or a
 * crypto failure all answer `{ ok: false }`, because a login must fail closed and
 * look like a wrong password. Those non-hash cases still spend the dummy PBKDF2 work,
 * so an account without a usable password is not revealed by a fast answer.
 */
export async function verifyPassword(password: string, stored: string): Promise<PasswordVerdict> {
  try {
    if (typeof password !== 'string' || typeof stored !== 'string') throw new TypeError('not a string');
    const pbkdf2Hash = stored === UNUSABLE_PASSWORD ? undefined : parsePbkdf2(stored);
    if (pbkdf2Hash) return await verifyPbkdf2(password, pbkdf2Hash);

    const bcrypt = BCRYPT_FORMAT.exec(stored);
    const cost = Number(bcrypt?.[1]);
    if (bcrypt && cost >= 4 && cost <= MAX_BCRYPT_COST) {
      // bcrypt hashes the raw UTF-8 (first 72 bytes), exactly as the Java system did: no NFC here.
      const ok = await bcryptCompare(password, stored);
      return { ok, needsRehash: ok };
    }
  } catch {
    return rejected();
  }
  await verifyDummyPassword(typeof password === 'string' ? password : '');
  return rejected();
}

/**
 * The first platform admin's password on a development stack (`npm run dev`, `npm run db:seed`
 * without SEED_ADMIN_PASSWORD) and in the API document's examples. A staging or production
 * Worker refuses to serve while a platform ADMIN still has it (services/health).
 */
export const DEVELOPMENT_ADMIN_PASSWORD = 'Change-Me-Dev-42';

/** Password rules for new and changed passwords (existing hashes are never re-judged). */
export const PASSWORD_POLICY = {
  minLength: 10,
  maxLength: 128,
  /** Of: lower-case letter, upper-case letter, digit, symbol (anything else, space included). */
  minCharacterClasses: 3,
  /** Email local parts and usernames shorter than this are too common to forbid as substrings. */
  minPersonalInfoLength: 3,
} as const;

/**
 * Lists what is wrong with a proposed password, as sentences fit to show the user;
 * an empty array means it is acceptable. Lengths count Unicode code points, so an
 * emoji counts as one character, as the user sees it. Letters without case (e.g.
 * CJK) count as symbols, so non-Latin passwords are not rejected out of hand.
 */
export function checkPasswordPolicy(
  password: string,
  personal: { email?: string | null; username?: string | null } = {},
): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_POLICY.minLength)
    problems.push(`Password must be at least ${PASSWORD_POLICY.minLength} characters long.`);
  if (length > PASSWORD_POLICY.maxLength)
    problems.push(`Password must be at most ${PASSWORD_POLICY.maxLength} characters long.`);

  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((re) => re.test(password)).length;
  if (classes < PASSWORD_POLICY.minCharacterClasses) {
    problems.push(
      `Password must contain at least ${PASSWORD_POLICY.minCharacterClasses} of: lower-case letters, upper-case letters, digits, symbols.`,
    );
  }

  const lowered = password.toLowerCase();
  const at = personal.email?.lastIndexOf('@') ?? -1;
  const localPart = personal.email ? (at >= 0 ? personal.email.slice(0, at) : personal.email) : '';
  if (localPart.length >= PASSWORD_POLICY.minPersonalInfoLength && lowered.includes(localPart.toLowerCase())) {
    problems.push('Password must not contain your email address.');
  }
  const username = personal.username ?? '';
  if (username.length >= PASSWORD_POLICY.minPersonalInfoLength && lowered.includes(username.toLowerCase())) {
    problems.push('Password must not contain your username.');
  }
  return problems;
}
