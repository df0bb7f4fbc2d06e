/**
 * Keyset pagination of review lists. A cursor holds the sort key of the last review
 * of a page (and the sort it belongs to), as base64url JSON: opaque to clients,
 * stable under inserts (a new review sorts before the cursor or after it, it never
 * shifts a page), and an index range scan for the server (no skip).
 * Every sort ends with `_id`, so keys are unique and no review is skipped or repeated
 * when several share a timestamp or a helpful count.
 */
import { ObjectId } from 'bson';

import type { Document, Sort } from '../../db/mongo/client.ts';
import { decodeCursor as decodeKey, encodeCursor as encodeKey, timeObjectIdKey } from '../../lib/pagination.ts';

export type ReviewSort = 'newest' | 'oldest' | 'helpful';

interface SortKey {
  helpful: number;
  at: Date;
  id: ObjectId;
}

export function sortSpec(sort: ReviewSort): Sort {
  switch (sort) {
    case 'newest':
      return { createdAt: -1, _id: -1 };
    case 'oldest':
      return { createdAt: 1, _id: 1 };
    case 'helpful':
      return { helpfulCount: -1, createdAt: -1, _id: -1 };
  }
}

/** The fields of a review its cursor needs (structural: this file stays free of the model's store types). */
type CursorFields = { _id: ObjectId; createdAt: Date; helpfulCount?: number };

export function encodeCursor(sort: ReviewSort, doc: CursorFields): string {
  const at = doc.createdAt instanceof Date ? doc.createdAt : new Date(0); // every review has one; never 500 on a stray document
  const parts: unknown[] = [sort, at.toISOString(), doc._id.toHexString()];
  if (sort === 'helpful') parts.push(doc.helpfulCount ?? 0);
  return encodeKey(parts);
}

/** The cursor's key, or null if it is not a cursor of a list with this sort. */
export function decodeCursor(text: string, sort: ReviewSort): SortKey | null {
  const parts = decodeKey(text);
  if (!Array.isArray(parts) || parts[0] !== sort || parts.length !== (sort === 'helpful' ? 4 : 3)) return null;
  const [, at, id, helpful] = parts as [string, unknown, unknown, unknown];
  const key = timeObjectIdKey(at, id);
  if (!key) return null;
  if (sort === 'helpful' && !(typeof helpful === 'number' && Number.isInteger(helpful) && helpful >= 0)) return null;
  return { ...key, helpful: typeof helpful === 'number' ? helpful : 0 };
}

/** Filter for the reviews strictly after `key` in `sort` order. */
export function afterKey(sort: ReviewSort, key: SortKey): Document {
  const op = sort === 'oldest' ? '$gt' : '$lt';
  const byTime = [{ createdAt: { [op]: key.at } }, { createdAt: key.at, _id: { [op]: key.id } }];
  if (sort !== 'helpful') return { $or: byTime };
  return {
    $or: [
      { helpfulCount: { $lt: key.helpful } },
      ...byTime.map((clause) => ({ helpfulCount: key.helpful, ...clause })),
    ],
  };
}
