import { createRouter } from '../../lib/create-router.ts';
import { problems } from '../../lib/problem.ts';
import { dataApiCallsHeader } from '../../middleware/data-api-calls.ts';
import * as categories from '../../services/catalog/index.ts';
import { commandContext, readerOf } from '../products/catalog-http.ts';
import * as routes from './categories.routes.ts';

const router = createRouter();
router.use('/categories', dataApiCallsHeader);
router.use('/categories/*', dataApiCallsHeader);

/** /categories: thin handlers over services/catalog/categories.ts. One chain from the router, so the exported type carries every route. */
export const categoriesRoutes = router
  .openapi(routes.tree, async (c) => {
    const reader = await readerOf(c);
    const includeInactive = c.req.valid('query').includeInactive === 'true';
    if (includeInactive && !reader.staff)
      throw problems.forbidden('Only staff (write:products) may see inactive categories.');
    const data = await categories.categoryTree(c.get('stores').mongo(), reader.tenantId, { includeInactive });
    return c.json({ data }, 200);
  })
  .openapi(routes.getCategory, async (c) => {
    const reader = await readerOf(c);
    const detail = await categories.getCategory(c.get('stores').mongo(), reader.tenantId, c.req.valid('param').slug, {
      includeInactive: reader.staff,
    });
    return c.json(detail, 200);
  })
  .openapi(routes.createCategory, async (c) => {
    const ctx = commandContext(c);
    const created = await categories.createCategory(ctx.mongo, ctx.tenantId, c.req.valid('json'));
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${created.slug}`);
    return c.json(created, 201);
  })
  .openapi(routes.patchCategory, async (c) => {
    const ctx = commandContext(c);
    return c.json(
      await categories.updateCategory(ctx.mongo, ctx.tenantId, c.req.valid('param').id, c.req.valid('json')),
      200,
    );
  })
  .openapi(routes.deleteCategory, async (c) => {
    const ctx = commandContext(c);
    await categories.deleteCategory(ctx.mongo, ctx.tenantId, c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.recount, async (c) => {
    const ctx = commandContext(c);
    return c.json({ productCounts: await categories.recountProductCounts(ctx.mongo, ctx.tenantId) }, 200);
  });
