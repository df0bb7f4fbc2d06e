/**
 * The payment provider interface the payments service and the order saga call.
 *
 * Invariants every implementation keeps:
 * - Money is integer minor units (`amountMinor`), never a float; `currency` is ISO 4217 upper case.
 * - Every call carries an idempotency key: repeating a call with the same key never charges,
 *   captures or refunds twice (the provider answers the first result again).
 * - Failures are typed (see `./errors.ts`): `PaymentTransientError` is worth retrying, every
 *   other error is permanent. Nothing else escapes an operation.
 * - `authorize` only authorizes (manual capture); money moves on `capture`.
 */
import type { RefundStatus } from '../model.ts';

export type PaymentProviderName = 'stripe' | 'test';

export interface CardSummary {
  brand: string | null;
  last4: string | null;
}

export interface ProviderCall {
  idempotencyKey: string;
  /** 1-based saga attempt number, already part of `idempotencyKey`. */
  attempt: number;
}

export interface AuthorizeInput extends ProviderCall {
  amountMinor: number;
  /** ISO 4217, upper case (e.g. `USD`). */
  currency: string;
  /** Provider token, e.g. `pm_card_visa` or a test token; never a card number. */
  paymentMethod: string;
  description?: string;
  /** orderId, tenantId (sent to the provider as metadata). */
  metadata: Record<string, string>;
}

export type ProviderPaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED';

export interface ProviderPayment {
  transactionId: string;
  status: ProviderPaymentStatus;
  /** Authorized amount for AUTHORIZED/VOIDED, captured amount for CAPTURED. */
  amountMinor: number;
  card: CardSummary;
  /** Full provider response; the payments service seals it (AES-GCM) before storing it. */
  raw: unknown;
}

export interface ProviderRefund {
  refundId: string;
  amountMinor: number;
  status: RefundStatus;
  raw: unknown;
}

export interface WebhookEvent {
  /** Provider event id: the unit of webhook idempotency. */
  id: string;
  /** e.g. payment_intent.succeeded, charge.refunded, payment_intent.payment_failed */
  type: string;
  /** The provider transaction (PaymentIntent id for Stripe) the event is about, when known. */
  transactionId: string | null;
  /** Unix seconds. */
  createdAt: number;
  data: unknown;
}

export type CaptureInput = ProviderCall & { transactionId: string; amountMinor: number };
export type VoidInput = ProviderCall & { transactionId: string };
export type RefundInput = ProviderCall & { transactionId: string; amountMinor: number; reason?: string };

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Authorizes with manual capture. */
  authorize(input: AuthorizeInput): Promise<ProviderPayment>;
  capture(input: CaptureInput): Promise<ProviderPayment>;
  /** Releases an authorization that was not captured. */
  void(input: VoidInput): Promise<ProviderPayment>;
  refund(input: RefundInput): Promise<ProviderRefund>;
  /** Throws `PaymentWebhookSignatureError` unless the body is signed by this provider's endpoint secret. */
  verifyWebhook(rawBody: string, headers: Headers): Promise<WebhookEvent>;
}
