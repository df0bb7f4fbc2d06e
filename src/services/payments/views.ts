/** API shapes of payments and refunds. The gateway's response never leaves sealed; only brand and last4 do. */
import type { Payment, Refund } from '../../db/pg/schema/payments.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function refundView(r: Refund) {
  return {
    id: r.id,
    paymentId: r.paymentId,
    amount: r.amount,
    reason: r.reason,
    status: r.status,
    gatewayRefundId: r.gatewayRefundId,
    createdAt: r.createdAt.toISOString(),
    completedAt: iso(r.completedAt),
  };
}
export type RefundView = ReturnType<typeof refundView>;

export function paymentView(
  p: Payment,
  card: { brand: string | null; last4: string | null } | null,
  refunds: Refund[],
) {
  return {
    id: p.id,
    orderId: p.orderId,
    userId: p.userId,
    amount: p.amount,
    currency: p.currency,
    paymentMethod: p.paymentMethod,
    paymentProvider: p.paymentProvider,
    transactionType: p.transactionType,
    status: p.status,
    gatewayTransactionId: p.gatewayTransactionId,
    card,
    errorCode: p.errorCode,
    errorMessage: p.errorMessage,
    retryCount: p.retryCount,
    refunds: refunds.map(refundView),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    completedAt: iso(p.completedAt),
  };
}
export type PaymentView = ReturnType<typeof paymentView>;
