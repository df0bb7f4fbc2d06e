/**
 * The catalog as a cart sees it: the anonymous product read (GET /api/v1/products/{id}) as the
 * edge cache holds it now, and, for what it does not hold, the same read made after the response.
 */
import type { Context } from 'hono';

import type { AppEnv } from '../../lib/types.ts';
import { cacheRules, peekCatalogRead, readThroughCatalogLater } from '../../middleware/edge-cache.ts';
import { estimateOf, type CatalogEstimates, type Estimate } from '../../services/carts/index.ts';

const productPath = (id: string) => `/api/v1/products/${id}`;

export function catalogEstimates(c: Context<AppEnv>): CatalogEstimates {
  return {
    async cached(tenantId, productIds) {
      const found = new Map<string, Estimate>();
      await Promise.all(
        productIds.map(async (id) => {
          const param = (name: string) => (name === 'idOrSlug' ? id : undefined);
          const body = await peekCatalogRead(c.env, tenantId, productPath(id), cacheRules.product, param);
          const estimate = body === undefined ? null : estimateOf(200, body, Date.now());
          if (estimate) found.set(id, estimate);
        }),
      );
      return found;
    },
    later(tenantId, productIds, then) {
      for (const id of productIds) {
        readThroughCatalogLater(c, tenantId, productPath(id), async (status, body) => {
          const estimate = estimateOf(status, body, Date.now());
          if (estimate) await then({ [id]: estimate });
        });
      }
    },
  };
}
