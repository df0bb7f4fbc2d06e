/**
 * Reading payments: the owner (payments.user_id) or staff of the tenant; anyone else
 * gets 404, as for a payment that does not exist. RLS isolates tenants.
 */
import { and, asc, eq, inArray, type SQL } from 'drizzle-orm';

import { payments, refunds, type Payment } from '../../db/pg/schema/payments.ts';
import { inTenantBatch } from '../../db/pg/tenant-tx.ts';
import { isStaff } from '../auth/index.ts';
import type { ServiceContext } from '../context.ts';
import { paymentErrors } from './errors.ts';
import { cardOf } from './sealing.ts';
import { paymentView, type PaymentView } from './views.ts';

function visible(svc: ServiceContext): SQL | undefined {
  if (!svc.principal) throw new Error('a payment query needs a principal');
  return isStaff(svc.principal) ? undefined : eq(payments.userId, svc.principal.userId);
}

async function findPayment(svc: ServiceContext, where: SQL | undefined): Promise<PaymentView> {
  // The payment and its refunds in one read-only batch (one round trip on the HTTP path).
  const seen = and(where, visible(svc));
  const [[payment], rows] = await inTenantBatch(
    svc.stores.pg('payments'),
    svc.tenantId,
    (db) => [
      db.select().from(payments).where(seen).limit(1),
      db
        .select()
        .from(refunds)
        .where(inArray(refunds.paymentId, db.select({ id: payments.id }).from(payments).where(seen).limit(1)))
        .orderBy(asc(refunds.createdAt)),
    ],
    { readOnly: true },
  );
  const found = payment ? { payment, refunds: rows } : null;
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
