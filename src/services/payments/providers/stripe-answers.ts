/**
 * What Stripe's answers mean for us: a confirmed PaymentIntent -> an authorization or a typed
 * failure; a Refund's status -> ours.
 *
 * Invariant: an authorization exists only when the PaymentIntent is `requires_capture` (or
 * already `succeeded`). One that needs the customer (3-D Secure) or has no usable payment method
 * is a decline, never an authorization; any other state is a permanent error carrying the
 * PaymentIntent id, so the caller can record it and cancel it.
 */
import { PaymentDeclinedError, PaymentRequestError } from './errors.ts';
import { cardOf, idOf } from './stripe-http.ts';
import type { CardSummary, ProviderPayment, ProviderRefund } from './types.ts';

export const NO_CARD: CardSummary = { brand: null, last4: null };
const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);
export const int = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : null;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The result of create+confirm (`requestedMinor` only when Stripe omits the amount). */
export function authorizationOf(
  pi: Record<string, unknown>,
  requestId: string | null,
  requestedMinor: number,
): ProviderPayment {
  const status = str(pi.status);
  const transactionId = idOf(pi, requestId);
  const card = cardOf(pi.latest_charge) ?? NO_CARD;
  if (status === 'requires_capture')
    return { transactionId, status: 'AUTHORIZED', amountMinor: int(pi.amount) ?? requestedMinor, card, raw: pi };
  if (status === 'succeeded')
    return { transactionId, status: 'CAPTURED', amountMinor: int(pi.amount_received) ?? requestedMinor, card, raw: pi };

  const context = { provider: 'stripe' as const, status: 200, requestId, transactionId };
  if (status === 'requires_action' || status === 'requires_payment_method') {
    const lastError = isRecord(pi.last_payment_error) ? pi.last_payment_error : {};
    throw new PaymentDeclinedError({
      ...context,
      code: status === 'requires_action' ? 'authentication_required' : (str(lastError.code) ?? 'payment_failed'),
      declineCode: str(lastError.decline_code),
      message: str(lastError.message) ?? `the PaymentIntent is ${status} after confirmation`,
      card,
    });
  }
  throw new PaymentRequestError({
    ...context,
    code: 'payment_intent_unexpected_state',
    message: `the PaymentIntent is ${status ?? 'without status'} after confirmation`,
  });
}

export function refundStatusOf(status: unknown): ProviderRefund['status'] {
  if (status === 'succeeded') return 'SUCCEEDED';
  if (status === 'failed' || status === 'canceled') return 'FAILED';
  return 'PENDING'; // pending, requires_action
}
