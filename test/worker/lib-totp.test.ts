import { describe, expect, it } from 'vitest';

import { utf8 } from '../../src/lib/bytes.ts';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
} from '../../src/lib/totp.ts';

/** RFC 6238 Appendix B: SHA1 key is the ASCII string "12345678901234567890". */
const RFC_SECRET = base32Encode(utf8('12345678901234567890'));

/** [unix seconds, 8-digit SHA1 TOTP] from RFC 6238 Appendix B; our 6-digit code is the last 6 digits. */
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('base32', () => {
  it('matches RFC 4648 test vectors (without padding)', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [plain, encoded] of cases) {
      expect(base32Encode(utf8(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base32Decode(encoded))).toBe(plain);
    }
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('decodes lower case, spaces and padding', () => {
    expect(new TextDecoder().decode(base32Decode('mzxw 6ytb oi======'))).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow(TypeError);
  });
});

describe('secrets and URIs', () => {
  it('generates 20-byte secrets as 32 base32 characters', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it('builds an encoded otpauth URI', () => {
    const uri = totpUri({
      secret: 'JBSWY3DPEHPK3PXP',
      accountName: 'jane+shop@example.com',
      issuer: 'E-commerce Edge',
    });
    expect(uri).toBe(
      'otpauth://totp/E-commerce%20Edge:jane%2Bshop%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=E-commerce%20Edge&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(parsed.searchParams.get('issuer')).toBe('E-commerce Edge');
    expect(parsed.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('encodes a colon or ampersand in the parts so the label and query stay unambiguous', () => {
    const uri = totpUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'a:b', issuer: 'Shop & Co' });
    expect(uri).toContain('/Shop%20%26%20Co:a%3Ab?');
    expect(uri).toContain('issuer=Shop%20%26%20Co&');
  });
});

describe('totpCode (RFC 6238 Appendix B, SHA1)', () => {
  it.each(RFC_VECTORS)('T = %i s -> %s', async (seconds, eightDigits) => {
    const step = totpStep(seconds * 1000);
    expect(await totpCode(RFC_SECRET, step)).toBe(eightDigits.slice(-6));
  });

  it('computes steps as floor(seconds / 30)', () => {
    expect(totpStep(59_000)).toBe(1);
    expect(totpStep(1_111_111_109_000)).toBe(0x023523ec);
    expect(totpStep(20_000_000_000_000)).toBe(0x27bc86aa);
  });
});

describe('verifyTotp', () => {
  const now = 1_234_567_890_000; // RFC vector time
  const current = totpStep(now);

  it('accepts the current code and returns its step', async () => {
    const code = await totpCode(RFC_SECRET, current);
    expect(code).toBe('005924');
    expect(await verifyTotp(RFC_SECRET, code, { now })).toEqual({ ok: true, step: current });
  });

  it('accepts codes exactly at the window edges and rejects just outside them', async () => {
    for (const offset of [-1, 1]) {
      const code = await totpCode(RFC_SECRET, current + offset);
      expect(await verifyTotp(RFC_SECRET, code, { now }), `offset ${offset}`).toEqual({
        ok: true,
        step: current + offset,
      });
    }
    for (const offset of [-2, 2]) {
      const code = await totpCode(RFC_SECRET, current + offset);
      expect(await verifyTotp(RFC_SECRET, code, { now }), `offset ${offset}`).toEqual({ ok: false });
    }
    const twoAhead = await totpCode(RFC_SECRET, current + 2);
    expect(await verifyTotp(RFC_SECRET, twoAhead, { now, window: 2 })).toEqual({ ok: true, step: current + 2 });
    const oneBehind = await totpCode(RFC_SECRET, current - 1);
    expect(await verifyTotp(RFC_SECRET, oneBehind, { now, window: 0 })).toEqual({ ok: false });
  });

  it('honours the step boundary in milliseconds', async () => {
    const stepStart = current * 30_000;
    const code = await totpCode(RFC_SECRET, current);
    // Last millisecond of the step, first of the next (code is then one behind: still in window), and two steps on.
    expect(await verifyTotp(RFC_SECRET, code, { now: stepStart + 29_999, window: 0 })).toEqual({
      ok: true,
      step: current,
    });
    expect(await verifyTotp(RFC_SECRET, code, { now: stepStart + 30_000, window: 0 })).toEqual({ ok: false });
    expect(await verifyTotp(RFC_SECRET, code, { now: stepStart + 30_000 })).toEqual({ ok: true, step: current });
    expect(await verifyTotp(RFC_SECRET, code, { now: stepStart + 60_000 })).toEqual({ ok: false });
  });

  it('rejects a replay of the same step, and older steps', async () => {
    const code = await totpCode(RFC_SECRET, current);
    const first = await verifyTotp(RFC_SECRET, code, { now, lastUsedStep: null });
    expect(first).toEqual({ ok: true, step: current });
    const lastUsedStep = first.ok ? first.step : null;
    expect(await verifyTotp(RFC_SECRET, code, { now, lastUsedStep })).toEqual({ ok: false });
    // Later in the same window: still a replay.
    expect(await verifyTotp(RFC_SECRET, code, { now: now + 25_000, lastUsedStep })).toEqual({ ok: false });
    // A code for an earlier step (still inside the window) is refused too.
    const previous = await totpCode(RFC_SECRET, current - 1);
    expect(await verifyTotp(RFC_SECRET, previous, { now, lastUsedStep })).toEqual({ ok: false });
    // The next step's code is accepted.
    const next = await totpCode(RFC_SECRET, current + 1);
    expect(await verifyTotp(RFC_SECRET, next, { now, lastUsedStep })).toEqual({ ok: true, step: current + 1 });
  });

  it('rejects malformed input without throwing', async () => {
    const code = await totpCode(RFC_SECRET, current);
    for (const bad of [
      '',
      '12345',
      '1234567',
      '00592a',
      ` ${code}`,
      `${code} `,
      '005 924',
      '٠٠٥٩٢٤',
      '+05924',
      '-05924',
    ]) {
      expect(await verifyTotp(RFC_SECRET, bad, { now }), JSON.stringify(bad)).toEqual({ ok: false });
    }
    expect(await verifyTotp(RFC_SECRET, '000000', { now })).toEqual({ ok: false });
  });

  it('works with a generated secret and the real clock', async () => {
    const secret = generateTotpSecret();
    const code = await totpCode(secret, totpStep(Date.now()));
    const verdict = await verifyTotp(secret, code);
    expect(verdict.ok).toBe(true);
  });

  it('refuses a nonsensical window', async () => {
    await expect(verifyTotp(RFC_SECRET, '123456', { now, window: -1 })).rejects.toThrow(RangeError);
    await expect(verifyTotp(RFC_SECRET, '123456', { now, window: 1.5 })).rejects.toThrow(RangeError);
  });
});
