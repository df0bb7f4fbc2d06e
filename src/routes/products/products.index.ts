import { createRouter } from '../../lib/create-router.ts';
import * as catalog from '../../services/catalog/index.ts';
import { problems } from '../../lib/problem.ts';
import { commandContext, dataApiCallsHeader, etagOf, expectedVersion, readerOf } from './catalog-http.ts';
import * as routes from './products.routes.ts';

const optionalMoney = (text: string | null | undefined) => (text === undefined ? undefined : text === null ? null : catalog.parseMoney(text));

/** /products: thin handlers over the catalog service (services/catalog). */
export const productsRoutes = createRouter();
productsRoutes.use('/products', dataApiCallsHeader);
productsRoutes.use('/products/*', dataApiCallsHeader);

productsRoutes
  .openapi(routes.listProducts, async (c) => {
    const reader = await readerOf(c);
    const q = c.req.valid('query');
    if (q.status && !reader.staff) throw problems.forbidden('Only staff (write:products) may filter by status.');
    const page = await catalog.listProducts(c.get('stores').mongo(), reader, {
      category: q.category,
      minPriceMinor: optionalMoney(q.minPrice) ?? undefined,
      maxPriceMinor: optionalMoney(q.maxPrice) ?? undefined,
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
    const record = await catalog.getProduct(c.get('stores').mongo(), await readerOf(c), c.req.valid('param').idOrSlug);
    const etag = etagOf(record.version);
    c.header('etag', etag);
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.json(catalog.productView(record), 200);
  })
  .openapi(routes.createProduct, async (c) => {
    const body = c.req.valid('json');
    const { record, replayed } = await catalog.createProduct(
      commandContext(c),
      {
        ...body,
        priceMinor: catalog.parseMoney(body.price),
        compareAtPriceMinor: optionalMoney(body.compareAtPrice),
        images: body.images?.map((i) => ({ url: i.url, alt: i.alt ?? null, isPrimary: i.isPrimary })),
      },
      { idempotencyKey: c.req.valid('header')['idempotency-key'] },
    );
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${record.id}`);
    c.header('etag', etagOf(record.version));
    if (replayed) c.header('idempotent-replayed', 'true');
    return c.json(catalog.productView(record), 201);
  })
  .openapi(routes.patchProduct, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match'], true);
    const body = c.req.valid('json');
    const { record } = await catalog.updateProduct(
      commandContext(c),
      c.req.valid('param').id,
      { ...body, images: body.images?.map((i) => ({ url: i.url, alt: i.alt ?? null, isPrimary: i.isPrimary })) },
      { expectedVersion: expected },
    );
    c.header('etag', etagOf(record.version));
    return c.json(catalog.productView(record), 200);
  })
  .openapi(routes.putPrice, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match'], false);
    const body = c.req.valid('json');
    const { record } = await catalog.changePrice(
      commandContext(c),
      c.req.valid('param').id,
      { priceMinor: catalog.parseMoney(body.price), compareAtPriceMinor: optionalMoney(body.compareAtPrice), currency: body.currency },
      { expectedVersion: expected },
    );
    c.header('etag', etagOf(record.version));
    return c.json(catalog.productView(record), 200);
  })
  .openapi(routes.putStock, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match'], false);
    const { record } = await catalog.changeStock(commandContext(c), c.req.valid('param').id, c.req.valid('json'), { expectedVersion: expected });
    c.header('etag', etagOf(record.version));
    return c.json(catalog.productView(record), 200);
  })
  .openapi(routes.deleteProduct, async (c) => {
    const expected = expectedVersion(c.req.valid('header')['if-match'], false);
    await catalog.deleteProduct(commandContext(c), c.req.valid('param').id, { expectedVersion: expected });
    return c.body(null, 204);
  })
  .openapi(routes.productEvents, async (c) => {
    const principal = commandContext(c);
    const page = await catalog.productHistory(principal.mongo, principal.tenantId, c.req.valid('param').id, c.req.valid('query'));
    return c.json(page, 200);
  })
  .openapi(routes.rebuildProduct, async (c) => {
    const ctx = commandContext(c);
    const result = await catalog.rebuildProductProjection(ctx.mongo, ctx.tenantId, c.req.valid('param').id);
    c.header('etag', etagOf(result.record.version));
    return c.json({ product: catalog.productView(result.record), eventsReplayed: result.eventsReplayed, productCounts: result.productCounts }, 200);
  });
