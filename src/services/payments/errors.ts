/** Problem types of the payment service, each with one status. */
import { z } from 'zod';

import { Problem, problems } from '../../lib/problem.ts';

const DECLINED = 'payment-declined';
const declinedExtensions = z.object({ paymentId: z.string(), code: z.string() });

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
  /** The charge of an order failed for good (declined, or refused as a request): retrying cannot help. */
  declined: (paymentId: string, code: string, detail: string) =>
    new Problem(402, DECLINED, 'Payment declined', detail, { extensions: { paymentId, code } }),
};

/** The payment and the provider's code of a `payment-declined` problem; null for any other problem. */
export function declinedPaymentOf(problem: Problem): (z.infer<typeof declinedExtensions> & { detail: string }) | null {
  return problem.hasType(DECLINED)
    ? { ...declinedExtensions.parse(problem.extensions), detail: problem.message }
    : null;
}
