import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';

import {
  decodeCursor,
  encodeCursor,
  keyedPageQuery,
  nameKey,
  pageQuery,
  timeIdKey,
  timeObjectIdKey,
  toPage,
} from '../../src/lib/pagination.ts';

describe('cursor codec', () => {
  it('round-trips any JSON key as URL-safe text; anything else decodes to undefined', () => {
    for (const key of [
      ['2026-01-02 03:04:05.123456', '0b9c1a8e-3f5e-4a51-9d7e-2f4c8b6a1d20'],
      { s: 'newest', k: 'é', id: 'ab' },
      7,
    ]) {
      const text = encodeCursor(key);
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(text)).toEqual(key);
    }
    expect(decodeCursor('garbage!')).toBeUndefined();
    expect(decodeCursor('abc')).toBeUndefined();
  });

  it('PostgreSQL keys accept only their own shape', () => {
    const at = '2026-01-02 03:04:05.123456';
    const id = '0b9c1a8e-3f5e-4a51-9d7e-2f4c8b6a1d20';
    expect(timeIdKey([at, id])).toEqual({ at, id });
    expect(timeIdKey([at])).toBeNull();
    expect(timeIdKey(['2026-01-02T03:04:05Z', id])).toBeNull();
    expect(timeIdKey([at, 'x'])).toBeNull();
    expect(nameKey(['read:orders'])).toEqual({ name: 'read:orders' });
    expect(nameKey('read:orders')).toBeNull();
  });

  it('the MongoDB (createdAt, _id) key: an exact ISO time and a lower-case ObjectId', () => {
    const key = timeObjectIdKey('2026-01-02T03:04:05.678Z', '6b06eed21006e491d07feb71');
    expect(key?.at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(key?.id.toHexString()).toBe('6b06eed21006e491d07feb71');
    expect(timeObjectIdKey('2026-01-02T03:04:05Z', '6b06eed21006e491d07feb71')).toBeNull();
    expect(timeObjectIdKey('2026-01-02T03:04:05.678Z', '6B06EED21006E491D07FEB71')).toBeNull();
    expect(timeObjectIdKey(1, '6b06eed21006e491d07feb71')).toBeNull();
  });

  it('toPage keeps limit rows and encodes the last one only when a further row exists', () => {
    const rows = [1, 2, 3];
    expect(
      toPage(
        rows,
        3,
        (r) => [String(r)],
        (r) => r * 10,
      ),
    ).toEqual({ data: [10, 20, 30], nextCursor: null });
    const page = toPage(
      rows,
      2,
      (r) => [String(r)],
      (r) => r,
    );
    expect(page.data).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!)).toEqual(['2']);
  });
});

describe('limit/cursor query schema', () => {
  it('defaults limit to 20, bounds it, and decodes a keyed cursor (a bad one fails on cursor)', () => {
    const plain = z.object(pageQuery({ maxLimit: 50 }));
    expect(plain.parse({})).toEqual({ limit: 20 });
    expect(plain.safeParse({ limit: '51' }).success).toBe(false);
    const keyed = z.object(keyedPageQuery(nameKey));
    expect(keyed.parse({ limit: '5', cursor: encodeCursor(['a']) })).toEqual({ limit: 5, cursor: { name: 'a' } });
    const bad = keyed.safeParse({ cursor: encodeCursor({ name: 'a' }) });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['cursor']);
  });
});
