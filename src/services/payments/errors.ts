/** Problem types of the payment service, each with one status. */
import { Problem, problems } from '../../lib/problem.ts';

export const paymentErrors = {
  notFound: () => problems.notFound('Payment'),
  notRefundable: (status: string) =>
    new Problem(
      409,
      'payment-not-refundable',
      'Payment cannot be refunded',
      `A payment in status ${status} has nothing captured to refund.`,
      {
        extensions: { paymentStatus: status },
      },
    ),
  refundExceedsRemaining: (remaining: string) =>
    new Problem(
      422,
      'refund-exceeds-remaining',
      'Refund exceeds the remaining amount',
      `At most ${remaining} can still be refunded.`,
      {
        errors: [{ field: 'body.amount', message: `at most ${remaining}` }],
        extensions: { remaining },
      },
    ),
  providerUnavailable: (detail: string) =>
    new Problem(
      503,
      'payment-provider-unavailable',
      'Payment provider unavailable',
      `${detail} Retry with the same Idempotency-Key.`,
      {
        headers: { 'retry-after': '5' },
      },
    ),
  providerRefused: (code: string, detail: string) =>
    new Problem(422, 'payment-provider-refused', 'Payment provider refused', detail, { extensions: { code } }),
  unknownProvider: (name: string) => problems.notFound(`Payment provider '${name}'`),
  badSignature: (detail: string) => new Problem(400, 'invalid-webhook-signature', 'Invalid webhook signature', detail),
};
