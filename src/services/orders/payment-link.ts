/**
 * The order side of a payment (payments' `OrderLink`): a full refund moves the order's
 * payment_status, a staff refund is announced to the buyer, a provider's report nudges
 * the order's saga. Handed to payments by its callers, so the services depend one way:
 * orders -> payments.
 */
import type { OrderLink } from '../payments/index.ts';
import { sagaOf } from './saga-client.ts';
import { announceRefund, markOrderRefunded } from './status.ts';

export const orderPaymentLink: OrderLink = {
  refunded: markOrderRefunded,
  refundIssued: announceRefund,
  async paymentChanged(svc, orderId) {
    await sagaOf(svc, orderId).nudge();
  },
};
