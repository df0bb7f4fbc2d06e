/** The payment service's public surface. */
export { chargeOrder, undoOrderCharge } from './charge.ts';
export { issueRefund } from './refunds.ts';
export { getPayment, getPaymentOfOrder } from './queries.ts';
export { receiveWebhook } from './webhooks.ts';
export type { ChargeInput, OrderLink, RefundInput, RefundStatus, UndoOutcome, WebhookOutcome } from './model.ts';
export { declinedPaymentOf } from './errors.ts';
export type { PaymentView, RefundView } from './views.ts';
