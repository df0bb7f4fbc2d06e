/**
 * Keyset (cursor) pagination, one codec and one `limit`/`cursor` query schema for
 * every list. A cursor is the sort key of the last row of a page, as base64url JSON:
 * opaque to clients, stable under inserts, and cheap for the store (an index range
 * scan, never OFFSET). What the key holds is the list's business; how it travels is this file's.
 */
import { z } from '@hono/zod-openapi';
import { ObjectId } from 'bson';

import { base64UrlDecode, base64UrlEncode, utf8 } from './bytes.ts';
import { isObjectIdHex, isUuid } from './ids.ts';
import { problems, type Problem } from './problem.ts';

export const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** The opaque cursor of a sort key (any JSON value). */
export function encodeCursor(key: unknown): string {
  return base64UrlEncode(utf8(JSON.stringify(key)));
}

/** The sort key a cursor carries, or undefined when the text is not a cursor at all. */
export function decodeCursor(text: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(base64UrlDecode(text))) as unknown;
  } catch {
    return undefined;
  }
}

/** 400 on `query.cursor`, for a cursor that is not one this list (with these parameters) returned. */
export function invalidCursor(): Problem {
  return problems.validation([{ field: 'query.cursor', message: 'is not a cursor returned by this list' }]);
}

/** The response schema of a list: `{ data, nextCursor }` (plus `extra` fields), registered as `name`. */
export const pageOf = <T extends z.ZodType, E extends z.ZodRawShape = Record<never, never>>(
  item: T,
  name: string,
  extra?: E,
) => z.object({ data: z.array(item), nextCursor: z.string().nullable(), ...(extra as E) }).openapi(name);

const limitField = (max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(DEFAULT_LIMIT)
    .openapi({ param: { name: 'limit', in: 'query' }, description: `Page size, 1..${max} (default ${DEFAULT_LIMIT})` });

const cursorText = () => z.string().min(1).max(600);
const cursorDoc = {
  param: { name: 'cursor', in: 'query' as const },
  type: 'string' as const,
  description: '`nextCursor` of the previous page',
};

/**
 * The `limit` and `cursor` fields of a list's query schema (spread them into its
 * z.object), for a list whose key depends on other parameters (e.g. the sort): the
 * service decodes the cursor string and throws `invalidCursor()`.
 */
export function pageQuery(opts: { maxLimit?: number } = {}) {
  return { limit: limitField(opts.maxLimit ?? MAX_LIMIT), cursor: cursorText().optional().openapi(cursorDoc) };
}

/** The same fields, the cursor decoded by the schema: the handler gets the key; a bad cursor is a 400 on `query.cursor`. */
export function keyedPageQuery<K>(decode: (key: unknown) => K | null, opts: { maxLimit?: number } = {}) {
  const cursor = cursorText().transform((text, ctx) => {
    const key = decode(decodeCursor(text));
    if (key === null) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this list' });
      return z.NEVER;
    }
    return key;
  });
  return { limit: limitField(opts.maxLimit ?? MAX_LIMIT), cursor: cursor.optional().openapi(cursorDoc) };
}

/** `timestamp::text` as PostgreSQL prints it (microsecond precision kept, unlike a JS Date). */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

const strings = (key: unknown, arity: number): string[] | null =>
  Array.isArray(key) && key.length === arity && key.every((p) => typeof p === 'string' && p.length <= 200)
    ? (key as string[])
    : null;

export interface TimeIdCursor {
  at: string;
  id: string;
}

/**
 * A cursor's time is input like any other: the regex admits `2024-13-45 25:61:61`, which
 * PostgreSQL refuses with an error (a 500). Only a real calendar time, years 1..9999, passes.
 */
function isCalendarTime(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s);
  return (
    y >= 1 &&
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

/** Key of PostgreSQL lists ordered by (created_at DESC, id DESC). */
export function timeIdKey(key: unknown): TimeIdCursor | null {
  const parts = strings(key, 2);
  if (!parts || !PG_TIMESTAMP.test(parts[0]!) || !isCalendarTime(parts[0]!) || !isUuid(parts[1]!)) return null;
  return { at: parts[0]!, id: parts[1]! };
}

/** Key of lists ordered by a unique name. */
export function nameKey(key: unknown): { name: string } | null {
  const parts = strings(key, 1);
  return parts ? { name: parts[0]! } : null;
}

/** The (createdAt, _id) part of a MongoDB list's key: an ISO time as Date.toISOString() writes it, and an ObjectId in hex. */
export function timeObjectIdKey(at: unknown, id: unknown): { at: Date; id: ObjectId } | null {
  // The cursor is ours: only the lower-case hex it was written in decodes (one key, one cursor).
  if (typeof at !== 'string' || typeof id !== 'string' || !isObjectIdHex(id) || id !== id.toLowerCase()) return null;
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) return null;
  return { at: date, id: new ObjectId(id) };
}

/** Rows were fetched with `limit + 1`: the extra row only says there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => unknown, view: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(view), nextCursor: more && last ? encodeCursor(keyOf(last)) : null };
}
