import type { z } from '@hono/zod-openapi';

import { createRouter } from '../../lib/create-router.ts';
import { etagOf, expectedVersion } from '../../lib/etag.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import * as orders from '../../services/orders/index.ts';
import type { SagaStatus } from '../../services/orders/saga/state.ts';
import * as routes from './orders.routes.ts';
import type { SagaDetailSchema } from './orders.schemas.ts';

const sagaSummary = (
  s: { status: SagaStatus; currentStep: number; totalSteps: number; errorMessage: string | null } | null,
) => s && { status: s.status, currentStep: s.currentStep, totalSteps: s.totalSteps, errorMessage: s.errorMessage };

export const ordersRoutes = createRouter()
  .openapi(routes.placeOrder, async (c) => {
    const svc = ctxOf(c);
    const headers = c.req.valid('header');
    const placed = await orders.placeOrder(svc, {
      body: c.req.valid('json'),
      idempotencyKey: headers['idempotency-key'],
    });
    // `Prefer: wait=N`, parsed to seconds (0 without it).
    const { order, saga } = await orders.waitForSaga(svc, { ...placed, seconds: headers.prefer });
    if (placed.replayed) c.header('idempotent-replayed', 'true');
    c.header('location', `/api/v1/orders/${order.id}`);
    c.header('etag', etagOf(order.version));
    return c.json({ order, saga: sagaSummary(saga) }, 202);
  })
  .openapi(routes.listOrders, async (c) => {
    return c.json(await orders.listOrders(ctxOf(c), c.req.valid('query')), 200);
  })
  .openapi(routes.getOrder, async (c) => {
    const order = await orders.getOrder(ctxOf(c), c.req.valid('param').id);
    c.header('etag', etagOf(order.version));
    return c.json(order, 200);
  })
  .openapi(routes.getOrderSaga, async (c) => {
    const svc = ctxOf(c);
    const { id } = c.req.valid('param');
    await orders.getOrder(svc, id); // 404 for another tenant's order (RLS)
    const saga = orders.sagaOf(svc, id);
    const [state, history] = await Promise.all([saga.state(), saga.history()]);
    return c.json({ state, history } as z.infer<typeof SagaDetailSchema>, 200);
  })
  .openapi(routes.cancelOrder, async (c) => {
    const svc = ctxOf(c);
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const result = await orders.cancelOrder(svc, { id, reason });
    const { order, saga } = await orders.waitForSaga(svc, { ...result, seconds: c.req.valid('header').prefer });
    return c.json({ order, saga: sagaSummary(saga) }, 202);
  })
  .openapi(routes.changeStatus, async (c) => {
    const version = expectedVersion(c.req.valid('header')['if-match']);
    const order = await orders.changeOrderStatus(ctxOf(c), {
      id: c.req.valid('param').id,
      target: c.req.valid('json').status,
      expectedVersion: version,
    });
    c.header('etag', etagOf(order.version));
    return c.json(order, 200);
  });
