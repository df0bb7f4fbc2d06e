/** The payment service's public surface. */
export { chargeOrder, undoOrderCharge, type ChargeInput, type UndoOutcome } from './charge.ts';
export { issueRefund, type RefundInput } from './refunds.ts';
export { getPayment, getPaymentOfOrder } from './queries.ts';
export { receiveWebhook, type WebhookOutcome } from './webhooks.ts';
export { paymentErrors } from './errors.ts';
export type { PaymentView, RefundView } from './views.ts';
