import { createRouter } from '../../lib/create-router.ts';
import { requestFingerprint } from '../../lib/idempotency.ts';
import { ctxOf } from '../../middleware/tenant.ts';
import { orderPaymentLink } from '../../services/orders/index.ts';
import * as payments from '../../services/payments/index.ts';
import * as routes from './payments.routes.ts';

export const paymentsRoutes = createRouter()
  .openapi(routes.getPayment, async (c) => c.json(await payments.getPayment(ctxOf(c), c.req.valid('param').id), 200))
  .openapi(routes.getOrderPayment, async (c) =>
    c.json(await payments.getPaymentOfOrder(ctxOf(c), c.req.valid('param').id), 200),
  )
  .openapi(routes.refundPayment, async (c) => {
    const svc = ctxOf(c);
    const body = c.req.valid('json');
    const { id } = c.req.valid('param');
    const refund = await payments.issueRefund(
      svc,
      id,
      {
        amountMinor: body.amount,
        reason: body.reason,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        requestedBy: svc.principal!.userId,
        fingerprint: await requestFingerprint(`POST /payments/${id}/refunds`, body),
      },
      orderPaymentLink,
    );
    const view = (await payments.getPayment(svc, id)).refunds.find((r) => r.id === refund.id)!;
    return c.json(view, 201);
  })
  .openapi(routes.webhook, async (c) => {
    // The request's context without a tenant: the event names its payment, and so its tenant.
    const outcome = await payments.receiveWebhook(
      ctxOf(c),
      c.req.valid('param').provider,
      await c.req.text(),
      c.req.raw.headers,
      orderPaymentLink,
    );
    return c.json(outcome, 200);
  });
