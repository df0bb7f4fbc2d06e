import { createRouter } from '../../lib/create-router.ts';
import { etagMatches, etagOf, expectedVersion } from '../../lib/etag.ts';
import { problems } from '../../lib/problem.ts';
import { dataApiCallsHeader } from '../../middleware/data-api-calls.ts';
import * as products from '../../services/catalog/index.ts';
import { commandContext, readerOf } from './catalog-http.ts';
import * as routes from './products.routes.ts';

const router = createRouter();
router.use('/products', dataApiCallsHeader);
router.use('/products/*', dataApiCallsHeader);

/** /products: thin handlers over the catalog service (services/catalog: product-commands, product-queries). One chain from the router, so the exported type carries every route. */
export const productsRoutes = router
  .openapi(routes.listProducts, async (c) => {
    const reader = await readerOf(c);
    const q = c.req.valid('query');
    if (q.status && !reader.staff) throw problems.forbidden('Only staff (write:products) may filter by status.');
    const page = await products.listProducts(c.get('stores').mongo(), reader, {
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
    const record = await products.getProduct(c.get('stores').mongo(), await readerOf(c), c.req.valid('param').idOrSlug);
    const etag = etagOf(record.version);
    c.header('etag', etag);
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.createProduct, async (c) => {
    const { record, replayed } = await products.createProduct(commandContext(c), c.req.valid('json'), {
      idempotencyKey: c.req.valid('header')['idempotency-key'],
    });
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${record.id}`);
    c.header('etag', etagOf(record.version));
    if (replayed) c.header('idempotent-replayed', 'true');
    return c.json(products.productView(record), 201);
  })
  .openapi(routes.patchProduct, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match']);
    const { record } = await products.updateProduct(commandContext(c), c.req.valid('param').id, c.req.valid('json'), {
      expectedVersion: expected,
    });
    c.header('etag', etagOf(record.version));
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.putPrice, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match']);
    const { record } = await products.changePrice(commandContext(c), c.req.valid('param').id, c.req.valid('json'), {
      expectedVersion: expected,
    });
    c.header('etag', etagOf(record.version));
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.putStock, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match']);
    const { record } = await products.changeStock(commandContext(c), c.req.valid('param').id, c.req.valid('json'), {
      expectedVersion: expected,
    });
    c.header('etag', etagOf(record.version));
    return c.json(products.productView(record), 200);
  })
  .openapi(routes.deleteProduct, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match']);
    await products.deleteProduct(commandContext(c), c.req.valid('param').id, { expectedVersion: expected });
    return c.body(null, 204);
  })
  .openapi(routes.productEvents, async (c) => {
    const principal = commandContext(c);
    const page = await products.productHistory(
      principal.mongo,
      principal.tenantId,
      c.req.valid('param').id,
      c.req.valid('query'),
    );
    return c.json(page, 200);
  })
  .openapi(routes.rebuildProduct, async (c) => {
    const ctx = commandContext(c);
    const result = await products.rebuildProductProjection(ctx.mongo, ctx.tenantId, c.req.valid('param').id);
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
