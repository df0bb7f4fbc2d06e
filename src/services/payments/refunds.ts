/**
 * Refunds, partial or full, never more than captured minus refunded.
 *
 * 1. One transaction locks the payment row, checks what remains (SUCCEEDED and
 *    PENDING refunds both count, so two concurrent refunds cannot both take the same
 *    money) and records the refund PENDING under its Idempotency-Key.
 * 2. The provider is called with a key derived from the refund's id, so a retry of
 *    the same request (same key) never refunds twice.
 * 3. A second transaction records the outcome; when refunds reach the amount, the
 *    payment becomes REFUNDED and so does the order's payment_status.
 * The same key with another body is 422; with the same body it returns the refund.
 * A staff member's key is scoped to them and this operation (stored as
 * `clientIdempotencyKey`); the saga's compensation (requestedBy null) uses its own key,
 * which no client key can equal (src/lib/idempotency.ts).
 * The order side (its payment_status, the buyer's notification) goes through `OrderLink`.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';

import { payments, refunds, type Refund } from '../../db/pg/schema/payments.ts';
import { inTenantTx } from '../../db/pg/tenant-tx.ts';
import { assertSameRequest, clientIdempotencyKey, internalIdempotencyKey } from '../../lib/idempotency.ts';
import { problems } from '../../lib/problem.ts';
import { formatMoney, parseMoney } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { paymentErrors } from './errors.ts';
import { paymentsDb, type OrderLink, type RefundInput, type RefundStatus } from './model.ts';
import { providerOf } from './provider-calls.ts';
import { PaymentProviderError } from './providers/index.ts';

const REFUND_OPERATION = 'POST /payments/{id}/refunds';

export async function issueRefund(
  svc: ServiceContext,
  paymentId: string,
  input: RefundInput,
  order: OrderLink,
): Promise<Refund> {
  const idempotencyKey =
    input.requestedBy === null
      ? internalIdempotencyKey(input.idempotencyKey)
      : await clientIdempotencyKey({ callerId: input.requestedBy, operation: REFUND_OPERATION }, input.idempotencyKey);
  const { payment, refund } = await inTenantTx(paymentsDb(svc), svc.tenantId, async (tx) => {
    const [payment] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update').limit(1);
    if (!payment) throw paymentErrors.notFound();
    const [existing] = await tx
      .select()
      .from(refunds)
      .where(and(eq(refunds.tenantId, svc.tenantId), eq(refunds.idempotencyKey, idempotencyKey)))
      .limit(1);
    if (existing) {
      assertSameRequest(existing.requestFingerprint, input.fingerprint ?? '');
      return { payment, refund: existing };
    }
    if (payment.status !== 'COMPLETED') throw paymentErrors.notRefundable(payment.status);
    const [{ taken }] = (await tx
      .select({ taken: sql<string>`coalesce(sum(${refunds.amount}), 0)::text` })
      .from(refunds)
      .where(and(eq(refunds.paymentId, payment.id), inArray(refunds.status, ['PENDING', 'SUCCEEDED'])))) as [
      { taken: string },
    ];
    const remaining = parseMoney(payment.amount) - parseMoney(Number(taken).toFixed(2));
    const amountMinor = input.amountMinor ?? remaining;
    if (amountMinor <= 0 || amountMinor > remaining)
      throw paymentErrors.refundExceedsRemaining(formatMoney(Math.max(0, remaining)));
    const [refund] = await tx
      .insert(refunds)
      .values({
        tenantId: svc.tenantId,
        paymentId: payment.id,
        amount: formatMoney(amountMinor),
        reason: input.reason ?? null,
        idempotencyKey,
        requestFingerprint: input.fingerprint,
        requestedBy: input.requestedBy,
      })
      .onConflictDoNothing({ target: [refunds.tenantId, refunds.idempotencyKey] })
      .returning();
    // Taken meanwhile by the same caller's refund of another payment (this one is locked).
    if (!refund) throw problems.idempotencyKeyReused();
    return { payment, refund };
  });
  if (refund.status === 'SUCCEEDED') return refund;

  const provider = providerOf(svc, payment.paymentProvider);
  let outcome: { status: RefundStatus; refundId: string | null };
  try {
    const r = await provider.refund({
      idempotencyKey: `refund:${refund.id}`,
      attempt: 1,
      transactionId: payment.gatewayTransactionId!,
      amountMinor: parseMoney(refund.amount),
      ...(refund.reason ? { reason: refund.reason } : {}),
    });
    outcome = { status: r.status, refundId: r.refundId };
  } catch (err) {
    if (err instanceof PaymentProviderError && err.retryable)
      throw paymentErrors.providerUnavailable(`The refund could not reach ${payment.paymentProvider}.`);
    if (err instanceof PaymentProviderError) {
      await inTenantTx(paymentsDb(svc), svc.tenantId, (tx) =>
        tx.update(refunds).set({ status: 'FAILED' }).where(eq(refunds.id, refund.id)),
      );
      throw paymentErrors.providerRefused(err.code, err.message);
    }
    throw err;
  }

  const settled = await inTenantTx(paymentsDb(svc), svc.tenantId, async (tx) => {
    const [row] = await tx
      .update(refunds)
      .set({
        status: outcome.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
        gatewayRefundId: outcome.refundId,
        completedAt: sql`now()`,
      })
      .where(eq(refunds.id, refund.id))
      .returning();
    const [full] = await tx
      .update(payments)
      .set({ status: 'REFUNDED', updatedAt: sql`now()` })
      .where(
        and(
          eq(payments.id, payment.id),
          eq(payments.status, 'COMPLETED'),
          sql`${payments.amount} <= (select coalesce(sum(amount), 0) from ${refunds} where payment_id = ${payment.id} and status = 'SUCCEEDED')`,
        ),
      )
      .returning({ id: payments.id });
    return { refund: row!, full: Boolean(full) };
  });
  if (settled.full) await order.refunded(svc, payment.orderId);
  if (settled.refund.status === 'SUCCEEDED' && input.requestedBy)
    await order.refundIssued(svc, {
      orderId: payment.orderId,
      refundId: settled.refund.id,
      amount: settled.refund.amount,
    });
  return settled.refund;
}
