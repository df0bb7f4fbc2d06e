/**
 * What each catalog write purges from the edge cache (see edge-cache.ts), declared on the
 * write routes as `purgesCache(productPurge)` and friends.
 */
import { isObjectIdHex } from '../lib/ids.ts';
import {
  catalogTags,
  categoryChangeTags,
  productChangeTags,
  productSlug,
  reviewChangeTags,
} from '../services/catalog/index.ts';
import { productIdOfReview } from '../services/reviews/index.ts';
import type { PurgeSpec } from './edge-cache.ts';
import { ctxOf } from './tenant.ts';

const field = (body: unknown, name: string): string | undefined => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : undefined;
};

/**
 * Product commands: the product by id and slug, every list; categories when a count can move
 * (not price/stock). A delete answers 204 without the product: its slug is looked up first.
 */
export const productPurge: PurgeSpec = {
  async before(c, tenantId) {
    const id = c.req.param('id');
    if (c.req.method !== 'DELETE' || !id || !isObjectIdHex(id)) return [];
    const slug = await productSlug(ctxOf(c), id);
    return slug ? [catalogTags.slug(tenantId, slug)] : [];
  },
  after(c, tenantId, body) {
    const product =
      body && typeof body === 'object' && 'product' in body ? (body as { product: unknown }).product : body; // rebuild wraps it
    const productId = c.req.param('id') ?? field(product, 'id');
    if (!productId) return [];
    return productChangeTags(tenantId, {
      productId,
      slug: field(product, 'slug'),
      countsMayChange: c.req.method !== 'PUT',
    });
  },
};

/** Category commands (and recount): the tree, and what embeds category copies. */
export const categoryPurge: PurgeSpec = {
  after: (_c, tenantId) => categoryChangeTags(tenantId),
};

/**
 * Review commands name the review, not its product: the product is looked up before the
 * write (one Data API call; after a delete it would be gone). Body productId when present.
 */
export const reviewPurge: PurgeSpec = {
  async before(c, tenantId) {
    const id = c.req.param('id');
    if (!id || !isObjectIdHex(id)) return [];
    const productId = await productIdOfReview(ctxOf(c), id);
    return productId ? reviewChangeTags(tenantId, productId) : [];
  },
};
