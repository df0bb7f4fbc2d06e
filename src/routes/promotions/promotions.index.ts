import { createRouter } from '../../lib/create-router.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as promotions from '../../services/promotions/index.ts';
import * as routes from './promotions.routes.ts';

/** /promotions: staff CRUD of promotion codes and their redemptions, thin handlers over services/promotions. */
export const promotionsRoutes = createRouter()
  .openapi(routes.createPromotion, async (c) => {
    const created = await promotions.createPromotion(ctxOf(c), c.req.valid('json'));
    c.header('location', `/api/v1/promotions/${created.id}`);
    c.header('etag', etagOf(created.version));
    return c.json(created, 201);
  })
  .openapi(routes.listPromotions, async (c) => {
    return c.json(await promotions.listPromotions(ctxOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.getPromotion, async (c) => {
    const found = await promotions.getPromotion(ctxOf(c), c.req.valid('param').id);
    c.header('etag', etagOf(found.version));
    return c.json(found, 200);
  })
  .openapi(routes.patchPromotion, async (c) => {
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const { id } = c.req.valid('param');
    const changed = await promotions.updatePromotion(ctxOf(c), {
      id,
      patch: c.req.valid('json'),
      expectedVersion: version,
    });
    c.header('etag', etagOf(changed.version));
    return c.json(changed, 200);
  })
  .openapi(routes.deletePromotion, async (c) => {
    const version = expectedVersion(c.req.valid('header')['if-match']);
    await promotions.deletePromotion(ctxOf(c), { id: c.req.valid('param').id, expectedVersion: version });
    return c.body(null, 204);
  })
  .openapi(routes.listRedemptions, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await promotions.listRedemptions(ctxOf(c), { promotionId: id, ...c.req.valid('query') }), 200);
  });
