/** Small pieces shared by the catalog services: ids, slugs, regex escaping. */
import { ObjectId } from 'bson';

import type { DataApiClient } from '../../db/mongo/client.ts';
import { isObjectIdHex, OBJECT_ID_PATTERN } from '../../lib/ids.ts';

export const PRODUCTS = 'products';
export const PRODUCT_EVENTS = 'product_events';
export const CATEGORIES = 'categories';

export { isObjectIdHex };
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A product or category in a path: its ObjectId or its slug. */
export const ID_OR_SLUG_PATTERN = new RegExp(
  `^(${OBJECT_ID_PATTERN.source.slice(1, -1)}|${SLUG_PATTERN.source.slice(1, -1)})$`,
);

export function objectId(hex: string): ObjectId {
  return ObjectId.createFromHexString(hex.toLowerCase());
}

/** `text` as a literal inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "Wireless Headphones" + "AudioTech" -> "wireless-headphones-audiotech" (ASCII, <= 100 chars). */
export function slugify(...parts: Array<string | null | undefined>): string {
  const text = parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .join(' ')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = text.slice(0, 100).replace(/-+$/, '');
  return cut || 'item';
}

/**
 * The first free slug of `base` in a tenant: `base`, else `base-N` with N one more
 * than the largest suffix in use. Not a reservation: the caller inserts with it and,
 * on a DuplicateKeyError from the unique {tenantId, slug} index, asks again.
 */
export async function nextFreeSlug(
  mongo: DataApiClient,
  collection: string,
  tenantId: string,
  base: string,
): Promise<string> {
  const rows = await mongo
    .collection<{ slug: string }>(collection)
    .find(
      { tenantId, slug: { $regex: `^${escapeRegex(base)}(-[0-9]+)?$` } },
      { projection: { slug: 1 }, limit: 50_000 },
    );
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base)) return base;
  let max = 1;
  for (const slug of taken) {
    const n = Number(slug.slice(base.length + 1));
    if (slug !== base && Number.isSafeInteger(n) && n > max) max = n;
  }
  return `${base}-${max + 1}`;
}
