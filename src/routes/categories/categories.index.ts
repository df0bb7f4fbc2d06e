import { createRouter } from '../../lib/create-router.ts';
import { dataApiCallsHeader } from '../../middleware/data-api-calls.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as categories from '../../services/catalog/index.ts';
import * as routes from './categories.routes.ts';

const router = createRouter();
router.use('/categories', dataApiCallsHeader);
router.use('/categories/*', dataApiCallsHeader);

/** /categories: thin handlers over services/catalog/categories.ts. One chain from the router, so the exported type carries every route. */
export const categoriesRoutes = router
  .openapi(routes.tree, async (c) => {
    const includeInactive = c.req.valid('query').includeInactive === 'true';
    const data = await categories.categoryTree(ctxOf(c), { includeInactive });
    return c.json({ data }, 200);
  })
  .openapi(routes.getCategory, async (c) => {
    return c.json(await categories.getCategory(ctxOf(c), c.req.valid('param').slug), 200);
  })
  .openapi(routes.createCategory, async (c) => {
    const created = await categories.createCategory(ctxOf(c), c.req.valid('json'));
    c.header('location', `${new URL(c.req.url).pathname.replace(/\/+$/, '')}/${created.slug}`);
    return c.json(created, 201);
  })
  .openapi(routes.patchCategory, async (c) => {
    const input = { categoryId: c.req.valid('param').id, patch: c.req.valid('json') };
    return c.json(await categories.updateCategory(ctxOf(c), input), 200);
  })
  .openapi(routes.deleteCategory, async (c) => {
    await categories.deleteCategory(ctxOf(c), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(routes.recount, async (c) => {
    return c.json({ productCounts: await categories.recountProductCounts(ctxOf(c)) }, 200);
  });
