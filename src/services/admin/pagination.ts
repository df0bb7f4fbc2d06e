import { base64UrlDecode, base64UrlEncode, utf8 } from '../../lib/bytes.ts';

/**
 * Keyset (cursor) pagination for admin lists. A cursor is the sort key of the last
 * row of a page, as base64url JSON: opaque to clients, stable under inserts, and
 * cheap for the database (an index range scan, never OFFSET).
 */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(parts: string[]): string {
  return base64UrlEncode(utf8(JSON.stringify(parts)));
}

/** The cursor's parts, or null if it is not one of ours with `arity` string parts. */
export function decodeCursor(text: string, arity: number): string[] | null {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(text)));
    if (!Array.isArray(parsed) || parsed.length !== arity || !parsed.every((p) => typeof p === 'string' && p.length <= 200)) return null;
    return parsed as string[];
  } catch {
    return null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `timestamp::text` as PostgreSQL prints it (microsecond precision kept, unlike a JS Date). */
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

export interface TimeIdCursor {
  at: string;
  id: string;
}

/** Cursor of lists ordered by (created_at DESC, id DESC). */
export function decodeTimeIdCursor(text: string): TimeIdCursor | null {
  const parts = decodeCursor(text, 2);
  if (!parts || !PG_TIMESTAMP.test(parts[0]!) || !UUID.test(parts[1]!)) return null;
  return { at: parts[0]!, id: parts[1]! };
}

/** Cursor of lists ordered by a unique name. */
export function decodeNameCursor(text: string): { name: string } | null {
  const parts = decodeCursor(text, 1);
  return parts ? { name: parts[0]! } : null;
}

/** Rows were fetched with `limit + 1`: the extra row only says there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, cursorOf: (row: R) => string[], view: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { data: kept.map(view), nextCursor: more && last ? encodeCursor(cursorOf(last)) : null };
}
