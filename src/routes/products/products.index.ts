import type { Context } from 'hono';

import { createRouter } from '../../lib/create-router.ts';
import { etagMatches, etagOf, expectedVersion } from '../../lib/etag.ts';
import type { AppEnv } from '../../lib/types.ts';
import { afterResponse } from '../../middleware/after-response.ts';
import { dataApiCallsHeader } from '../../middleware/data-api-calls.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as products from '../../services/catalog/index.ts';
import * as routes from './products.routes.ts';

const router = createRouter();

/** A command's event waits in the product's outbox: into the stream after the response (event-store.ts). */
const flushAfter = (c: Context<AppEnv>, { outbox }: { outbox: products.OutboxDoc | null }) =>
  outbox ? afterResponse(c, ctxOf(c).tenantId, (ctx) => products.flushCommandOutbox(ctx, outbox)) : undefined;

router.use('/products', dataApiCallsHeader);
router.use('/products/*', dataApiCallsHeader);

/** /products: thin handlers over the catalog service (services/catalog: product-commands, product-queries). One chain from the router, so the exported type carries every route. */
export const productsRoutes = router
  .openapi(routes.listProducts, async (c) => {
    const q = c.req.valid('query');
    const page = await products.listProducts(ctxOf(c), {
      category: q.category,
      minPriceMinor: q.minPrice,
      maxPriceMinor: q.maxPrice,
      brand: q.brand,
      q: q.q,
      status: q.status,
      sort: q.sort,
      limit: q.limit,
      cursor: q.cursor,
    });
    return c.json(page, 200);
  })
  .openapi(routes.getProduct, async (c) => {
    const record = await products.getProduct(ctxOf(c), c.req.valid('param').idOrSlug);
    const etag = etagOf(record.version);
    c.header('etag', etag);
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.createProduct, async (c) => {
    const { record, replayed, ...made } = await products.createProduct(ctxOf(c), {
      product: c.req.valid('json'),
      idempotencyKey: c.req.valid('header')['idempotency-key'],
    });
    await flushAfter(c, made);
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${record.id}`);
    c.header('etag', etagOf(record.version));
    if (replayed) c.header('idempotent-replayed', 'true');
    return c.json(products.productView(record), 201);
  })
  .openapi(routes.patchProduct, async (c) => {
    const result = await products.updateProduct(ctxOf(c), {
      productId: c.req.valid('param').id,
      patch: c.req.valid('json'),
      expectedVersion: expectedVersion(c.req.valid('header')['if-match']),
    });
    await flushAfter(c, result);
    const { record } = result;
    c.header('etag', etagOf(record.version));
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.putPrice, async (c) => {
    const result = await products.changePrice(ctxOf(c), {
      productId: c.req.valid('param').id,
      price: c.req.valid('json'),
      expectedVersion: expectedVersion(c.req.valid('header')['if-match']),
    });
    await flushAfter(c, result);
    const { record } = result;
    c.header('etag', etagOf(record.version));
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.putStock, async (c) => {
    const result = await products.changeStock(ctxOf(c), {
      productId: c.req.valid('param').id,
      stock: c.req.valid('json'),
      expectedVersion: expectedVersion(c.req.valid('header')['if-match']),
    });
    await flushAfter(c, result);
    const { record } = result;
    c.header('etag', etagOf(record.version));
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.deleteProduct, async (c) => {
    const result = await products.deleteProduct(ctxOf(c), {
      productId: c.req.valid('param').id,
      expectedVersion: expectedVersion(c.req.valid('header')['if-match']),
    });
    await flushAfter(c, result);
    return c.body(null, 204);
  })
  .openapi(routes.productEvents, async (c) => {
    const page = await products.productHistory(ctxOf(c), {
      productId: c.req.valid('param').id,
      ...c.req.valid('query'),
    });
    return c.json(page, 200);
  })
  .openapi(routes.rebuildProduct, async (c) => {
    const result = await products.rebuildProductProjection(ctxOf(c), c.req.valid('param').id);
    c.header('etag', etagOf(result.record.version));
    return c.json(
      {
        product: products.productView(result.record),
        eventsReplayed: result.eventsReplayed,
        productCounts: result.productCounts,
      },
      200,
    );
  });
