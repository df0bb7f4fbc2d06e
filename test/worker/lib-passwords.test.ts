import { compareSync, hashSync } from 'bcryptjs';
import { describe, expect, it } from 'vitest';

import {
  base64UrlDecode,
  base64UrlEncode,
  hexEncode,
  randomBytes,
  randomToken,
  sha256Hex,
  timingSafeEqual,
} from '../../src/lib/bytes.ts';
import {
  checkPasswordPolicy,
  hashPassword,
  PASSWORD_POLICY,
  PBKDF2_ITERATIONS,
  verifyDummyPassword,
  verifyPassword,
} from '../../src/lib/passwords.ts';

const PASSWORD = 'Correct-Horse-42';

/** Computed once with Node's independent PBKDF2 (`crypto.pbkdf2Sync`), salt 00..0f: proves format interop. */
const NODE_PBKDF2_100K =
  '$pbkdf2-sha256$v=1$i=100000$AAECAwQFBgcICQoLDA0ODw$v2nQ_bXfqVQtf9Vg4Bk-3GId0yCiRjIrLjSEjbuwnnA';
const NODE_PBKDF2_1K = '$pbkdf2-sha256$v=1$i=1000$AAECAwQFBgcICQoLDA0ODw$JLKIntAxvwvqmuu6L0dYIn85OQC1E5B1KegnPLsWSdA';
/** Node PBKDF2 of 'Café-Secret-9' written with the precomposed é (NFC), 1000 iterations. */
const NODE_PBKDF2_NFC = '$pbkdf2-sha256$v=1$i=1000$AAECAwQFBgcICQoLDA0ODw$b2MnAeRwrmeEYzF3NPlsm4EWk1ljvO805dPC6xCQoF8';

/** Published jBCrypt test vectors (the Java library the old system used). */
const JBCRYPT_ABC_10 = '$2a$10$WvvTPHKwdBJ3uk0Z37EMR.hLA2W6N9AEBhEgrAOljy2Ae5MtaSIUi';
const JBCRYPT_SYMBOLS_10 = '$2a$10$LgfYWkbzEvQ4JakH7rOvHe0y8pHKF9OaFgwUZ2q7W2FFZmZzJYlfS';
const JBCRYPT_A_12 = '$2a$12$8NJH3LsPrANStV6XtBakCez0cKHXVxmvxIlcz785vxAIZrihHZpeS';
/** Computed once with bcryptjs 3.0.3 (hashSync('Legacy-Java-Pa55', 10), prefix as $2a$). */
const FIXED_2A_10 = '$2a$10$xzL7vEQ6d3pu36xDNPBcgOYTG0Nr2kG9H17dWqIZ..JT8K6gDe4X6';

/**
 * Wall time of `fn`, in whole milliseconds (workerd's clock granularity). Production
 * workerd only advances the clock at I/O (Spectre mitigation); the local test runtime
 * does not freeze it, but the `setTimeout(0)` either side keeps the reading honest in
 * both cases. Everything measured runs on the isolate thread, so wall time ~ CPU time.
 */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  await tick();
  const start = performance.now();
  await fn();
  await tick();
  return performance.now() - start;
}

describe('bytes', () => {
  it('round-trips base64url and also accepts standard base64', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xfe, 0x00, 0x01]);
    expect(base64UrlEncode(bytes)).toBe('-__-AAE');
    expect([...base64UrlDecode('-__-AAE')]).toEqual([...bytes]);
    expect([...base64UrlDecode('+//+AAE=')]).toEqual([...bytes]);
    expect(() => base64UrlDecode('not base64!')).toThrow(TypeError);
    expect(() => base64UrlDecode('A')).toThrow(TypeError);
    const big = randomBytes(100_000);
    expect(base64UrlDecode(base64UrlEncode(big))).toEqual(big);
  });

  it('hex, sha256 and random tokens', async () => {
    expect(hexEncode(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomToken()).not.toBe(randomToken());
  });

  it('timingSafeEqual compares content and length', () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(timingSafeEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
  });
});

describe('hashPassword / verifyPassword (pbkdf2)', () => {
  it('produces the versioned format with a 16-byte salt and 32-byte key', async () => {
    const stored = await hashPassword(PASSWORD);
    const match = /^\$pbkdf2-sha256\$v=1\$i=100000\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
    expect(match).not.toBeNull();
    expect(base64UrlDecode(match![1]!)).toHaveLength(16);
    expect(base64UrlDecode(match![2]!)).toHaveLength(32);
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(await hashPassword(PASSWORD)).not.toBe(stored); // fresh salt every time
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, stored)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword('correct-horse-42', stored)).toEqual({ ok: false, needsRehash: false });
  });

  it('verifies hashes made by an independent PBKDF2 implementation (Node)', async () => {
    expect(await verifyPassword(PASSWORD, NODE_PBKDF2_100K)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword('wrong', NODE_PBKDF2_100K)).toEqual({ ok: false, needsRehash: false });
  });

  it('flags a low-iteration pbkdf2 hash for rehash, only on success', async () => {
    expect(await verifyPassword(PASSWORD, NODE_PBKDF2_1K)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong', NODE_PBKDF2_1K)).toEqual({ ok: false, needsRehash: false });
  });

  it('normalizes to NFC, so composed and decomposed input both match', async () => {
    expect((await verifyPassword('Caf\u00e9-Secret-9', NODE_PBKDF2_NFC)).ok).toBe(true);
    expect((await verifyPassword('Cafe\u0301-Secret-9', NODE_PBKDF2_NFC)).ok).toBe(true);
  });

  it('rejects the unusable marker, garbage and tampered values without throwing', async () => {
    const stored = await hashPassword(PASSWORD);
    const parts = stored.split('$');
    const flipped = [...parts.slice(0, 5), parts[5]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))].join('$');
    const bad = [
      '!',
      '',
      'plaintext-password',
      PASSWORD,
      '$pbkdf2-sha256$v=1$i=100000$',
      '$pbkdf2-sha256$v=2$i=100000$AAECAwQFBgcICQoLDA0ODw$v2nQ_bXfqVQtf9Vg4Bk-3GId0yCiRjIrLjSEjbuwnnA', // future version
      '$pbkdf2-sha256$v=1$i=200000$AAECAwQFBgcICQoLDA0ODw$v2nQ_bXfqVQtf9Vg4Bk-3GId0yCiRjIrLjSEjbuwnnA', // above workerd cap
      '$pbkdf2-sha256$v=1$i=0$AAECAwQFBgcICQoLDA0ODw$v2nQ_bXfqVQtf9Vg4Bk-3GId0yCiRjIrLjSEjbuwnnA',
      '$pbkdf2-sha256$v=1$i=100000$AAECAwQFBgcICQoLDA0ODw$not*base64',
      '$pbkdf2-sha512$v=1$i=100000$AAECAwQFBgcICQoLDA0ODw$v2nQ_bXfqVQtf9Vg4Bk-3GId0yCiRjIrLjSEjbuwnnA',
      '$2a$10$short',
      '$2x$10$WvvTPHKwdBJ3uk0Z37EMR.hLA2W6N9AEBhEgrAOljy2Ae5MtaSIUi',
      '$2a$31$WvvTPHKwdBJ3uk0Z37EMR.hLA2W6N9AEBhEgrAOljy2Ae5MtaSIUi', // absurd cost: refused, not computed
      flipped,
    ];
    for (const stored of bad) {
      expect(await verifyPassword(PASSWORD, stored), stored).toEqual({ ok: false, needsRehash: false });
    }
    expect(await verifyPassword('!', '!')).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword('', stored)).toEqual({ ok: false, needsRehash: false });
  });

  it('verifyDummyPassword resolves without a result', async () => {
    await expect(verifyDummyPassword(PASSWORD)).resolves.toBeUndefined();
    await expect(verifyDummyPassword('')).resolves.toBeUndefined();
  });
});

describe('verifyPassword (legacy bcrypt)', () => {
  it('verifies published jBCrypt vectors and always asks for a rehash', async () => {
    expect(await verifyPassword('abc', JBCRYPT_ABC_10)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('~!@#$%^&*()      ~!@#$%^&*()PNBFRD', JBCRYPT_SYMBOLS_10)).toEqual({
      ok: true,
      needsRehash: true,
    });
    expect(await verifyPassword('abd', JBCRYPT_ABC_10)).toEqual({ ok: false, needsRehash: false });
  });

  it('verifies a fixed $2a$10$ vector and its $2b$ / $2y$ spellings', async () => {
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const stored = prefix + FIXED_2A_10.slice(4);
      expect(await verifyPassword('Legacy-Java-Pa55', stored), prefix).toEqual({ ok: true, needsRehash: true });
      expect(await verifyPassword('Legacy-Java-Pa56', stored), prefix).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('verifies a cost-4 $2a$ hash generated in the test', async () => {
    const stored = hashSync('Fresh-Import-1', 4).replace(/^\$2b\$/, '$2a$');
    expect(stored).toMatch(/^\$2a\$04\$/);
    expect(await verifyPassword('Fresh-Import-1', stored)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('fresh-import-1', stored)).toEqual({ ok: false, needsRehash: false });
  });

  it('a rehash after a bcrypt login yields a current pbkdf2 hash', async () => {
    const verdict = await verifyPassword('abc', JBCRYPT_ABC_10);
    expect(verdict.needsRehash).toBe(true);
    const upgraded = await hashPassword('abc');
    expect(await verifyPassword('abc', upgraded)).toEqual({ ok: true, needsRehash: false });
  });
});

describe('timings in workerd', () => {
  it('measures hashPassword, verifyPassword, dummy verify and bcrypt verify (median of 5)', async () => {
    const stored = await hashPassword(PASSWORD); // warm-up (JIT, key import paths)
    await verifyPassword('abc', JBCRYPT_ABC_10);

    // Does the clock move during pure synchronous JS (no I/O, no timers, no awaits)? In production workerd it does not.
    const frozenStart = performance.now();
    const dateStart = Date.now();
    compareSync('abc', JBCRYPT_ABC_10);
    const frozenElapsed = performance.now() - frozenStart;
    const dateElapsed = Date.now() - dateStart;

    const median = async (fn: () => Promise<unknown>) => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) runs.push(await timed(fn));
      runs.sort((a, b) => a - b);
      return { median: runs[2]!, min: runs[0]!, max: runs[4]! };
    };
    const rows: Array<[string, () => Promise<unknown>]> = [
      ['hashPassword (pbkdf2-sha256 100k)', () => hashPassword(PASSWORD)],
      ['verifyPassword pbkdf2 ok', () => verifyPassword(PASSWORD, stored)],
      ['verifyPassword pbkdf2 wrong', () => verifyPassword('wrong-password', stored)],
      ['verifyDummyPassword', () => verifyDummyPassword(PASSWORD)],
      ["verifyPassword '!' (unusable)", () => verifyPassword(PASSWORD, '!')],
      ['verifyPassword bcrypt cost 10', () => verifyPassword('abc', JBCRYPT_ABC_10)],
      ['verifyPassword bcrypt cost 12', () => verifyPassword('a', JBCRYPT_A_12)],
      ['timed() overhead (no-op)', async () => {}],
    ];
    const lines = [
      `[timing] clock advance across a synchronous bcrypt-10 compare: performance.now ${frozenElapsed.toFixed(1)} ms, Date.now ${dateElapsed} ms`,
    ];
    for (const [label, fn] of rows) {
      const t = await median(fn);
      lines.push(
        `[timing] ${label}: median ${t.median.toFixed(1)} ms (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`,
      );
    }
    console.log(lines.join('\n'));
    expect((await verifyPassword('a', JBCRYPT_A_12)).ok).toBe(true);
  });
});

describe('checkPasswordPolicy', () => {
  it('accepts a strong password', () => {
    expect(checkPasswordPolicy('Tr0ub4dour&3x', { email: 'jane.doe@example.com', username: 'jane' })).toEqual([]);
    expect(checkPasswordPolicy('correct horse Battery')).toEqual([]); // lower + upper + space as symbol
  });

  it('enforces length bounds', () => {
    expect(checkPasswordPolicy('Ab1!')).toEqual([
      `Password must be at least ${PASSWORD_POLICY.minLength} characters long.`,
    ]);
    expect(checkPasswordPolicy('Ab1!'.repeat(33))).toEqual([
      `Password must be at most ${PASSWORD_POLICY.maxLength} characters long.`,
    ]);
    expect(checkPasswordPolicy('Ab1!'.repeat(32))).toEqual([]); // exactly 128
    expect(checkPasswordPolicy('Abcdefgh1!')).toEqual([]); // exactly 10
    expect(checkPasswordPolicy('Abcdefg1!')).toHaveLength(1); // 9
  });

  it('counts code points, not UTF-16 units', () => {
    // 9 emoji (18 UTF-16 units) are 9 characters: too short.
    expect(checkPasswordPolicy('Aa1' + '🔑'.repeat(6))).toEqual([
      `Password must be at least ${PASSWORD_POLICY.minLength} characters long.`,
    ]);
  });

  it('requires 3 of 4 character classes', () => {
    const message = 'Password must contain at least 3 of: lower-case letters, upper-case letters, digits, symbols.';
    expect(checkPasswordPolicy('alllowercaseletters')).toEqual([message]);
    expect(checkPasswordPolicy('lowerandUPPER')).toEqual([message]);
    expect(checkPasswordPolicy('lowerand12345')).toEqual([message]);
    expect(checkPasswordPolicy('lowerUPPER123')).toEqual([]);
    expect(checkPasswordPolicy('lower-123-symbols')).toEqual([]);
    expect(checkPasswordPolicy('UPPER-123-SYMBOLS')).toEqual([]);
  });

  it('rejects the email local part and username, case-insensitively', () => {
    expect(checkPasswordPolicy('My-JaneDoe-2024', { email: 'janedoe@example.com' })).toEqual([
      'Password must not contain your email address.',
    ]);
    expect(checkPasswordPolicy('Xx-SHOPPER99-xX', { username: 'shopper99' })).toEqual([
      'Password must not contain your username.',
    ]);
    expect(checkPasswordPolicy('Jane-Doe-2024!', { email: 'jane-doe@example.com', username: 'doe' })).toEqual([
      'Password must not contain your email address.',
      'Password must not contain your username.',
    ]);
  });

  it('ignores personal info shorter than 3 characters', () => {
    expect(checkPasswordPolicy('Jo-Password-7', { email: 'jo@example.com', username: 'jo' })).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(checkPasswordPolicy('bob', { username: 'bob' })).toEqual([
      'Password must be at least 10 characters long.',
      'Password must contain at least 3 of: lower-case letters, upper-case letters, digits, symbols.',
      'Password must not contain your username.',
    ]);
  });
});
