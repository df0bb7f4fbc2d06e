/**
 * Price estimates of cart lines, from the catalog's public product read (GET /products/{id})
 * as the edge cache holds it: a cart edit reads the cache and never waits for the store. A
 * product the cache does not hold is read through the catalog after the answer (that read
 * fills the cache) and its estimate is handed to the cart then. Checkout never uses these:
 * the order prices every line from the store.
 */
import { parseMoney } from '../catalog/index.ts';
import type { Estimate } from './model.ts';

export interface CatalogEstimates {
  /** Estimates of the products whose catalog read is cached now (no store call). */
  cached(tenantId: string, productIds: string[]): Promise<Map<string, Estimate>>;
  /** Reads the products through the catalog after the response, then calls `then` with what it learned. */
  later(tenantId: string, productIds: string[], then: (found: Record<string, Estimate>) => Promise<void>): void;
}

interface ProductRead {
  name?: unknown;
  price?: unknown;
  currency?: unknown;
  status?: unknown;
  published?: unknown;
  deletedAt?: unknown;
  category?: { id?: unknown } | null;
}

/** The estimate a catalog answer gives: 200 with a sellable product, else unavailable (404: gone or hidden). */
export function estimateOf(status: number, body: unknown, now: number): Estimate | null {
  if (status === 404) return { available: false, name: null, unitPriceMinor: null, currency: null, checkedAt: now };
  if (status !== 200 || typeof body !== 'object' || body === null) return null; // no news (store trouble)
  const p = body as ProductRead;
  const sellable = p.published !== false && !p.deletedAt && (p.status === 'ACTIVE' || p.status === 'OUT_OF_STOCK');
  return {
    available: sellable,
    name: typeof p.name === 'string' ? p.name : null,
    unitPriceMinor: typeof p.price === 'string' ? parseMoney(p.price) : null,
    currency: typeof p.currency === 'string' ? p.currency : null,
    categoryId: typeof p.category?.id === 'string' ? p.category.id : null,
    checkedAt: now,
  };
}
