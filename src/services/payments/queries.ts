/**
 * Reading payments: the owner (payments.user_id) or staff of the tenant; anyone else
 * gets 404, as for a payment that does not exist. RLS isolates tenants.
 */
import { and, asc, eq, type SQL } from 'drizzle-orm';

import { payments, refunds, type Payment } from '../../db/pg/schema/payments.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { isStaff } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import { paymentErrors } from './errors.ts';
import { paymentsDb } from './model.ts';
import { cardOf } from './sealing.ts';
import { paymentView, type PaymentView } from './views.ts';

function visible(svc: ServiceContext): SQL | undefined {
  if (!svc.principal) throw new Error('a payment query needs a principal');
  return isStaff(svc.principal) ? undefined : eq(payments.userId, svc.principal.userId);
}

async function findPayment(svc: ServiceContext, where: SQL | undefined): Promise<PaymentView> {
  const found = await inTenantTx(paymentsDb(svc), svc.tenantId, async (tx) => {
    const [payment] = await tx
      .select()
      .from(payments)
      .where(and(where, visible(svc)))
      .limit(1);
    if (!payment) return null;
    const rows = await tx
      .select()
      .from(refunds)
      .where(eq(refunds.paymentId, payment.id))
      .orderBy(asc(refunds.createdAt));
    return { payment, refunds: rows };
  });
  if (!found) throw paymentErrors.notFound();
  return paymentView(
    found.payment,
    await cardOf(svc.env, found.payment.id, found.payment.gatewayResponse),
    found.refunds,
  );
}

export const getPayment = (svc: ServiceContext, id: string) => findPayment(svc, eq(payments.id, id));
export const getPaymentOfOrder = (svc: ServiceContext, orderId: string) =>
  findPayment(svc, eq(payments.orderId, orderId));
export type { Payment };
