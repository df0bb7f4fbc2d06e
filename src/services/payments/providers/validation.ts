/**
 * Checks both providers apply before any call, so a bad amount or key is a
 * `PaymentRequestError` here instead of a provider round trip (and is the same for both).
 * Amounts are positive safe integers of minor units; currencies are three letters.
 */
import { isCardNumberShaped } from '../../../lib/card-number.ts';
import { PaymentRequestError } from './errors.ts';
import type { PaymentProviderName, ProviderCall } from './types.ts';

/** Stripe's limit; the test provider keeps the same one so dev behaves like production. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export function checkAmount(provider: PaymentProviderName, amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new PaymentRequestError({
      provider,
      code: 'invalid_amount',
      message: `amountMinor must be a positive integer of minor units, got ${String(amountMinor)}`,
    });
  }
}

/** ISO 4217 upper case in, the same code out (throws on anything else). */
export function checkCurrency(provider: PaymentProviderName, currency: string): string {
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new PaymentRequestError({
      provider,
      code: 'invalid_currency',
      message: `currency must be ISO 4217 upper case, got '${currency}'`,
    });
  }
  return currency;
}

export function checkCall(provider: PaymentProviderName, call: ProviderCall): void {
  if (typeof call.idempotencyKey !== 'string' || call.idempotencyKey.trim() === '') {
    throw new PaymentRequestError({ provider, code: 'invalid_idempotency_key', message: 'idempotencyKey is required' });
  }
  if (!Number.isSafeInteger(call.attempt) || call.attempt < 1) {
    throw new PaymentRequestError({
      provider,
      code: 'invalid_attempt',
      message: `attempt must be an integer >= 1, got ${String(call.attempt)}`,
    });
  }
}

export function checkTransactionId(provider: PaymentProviderName, transactionId: string): void {
  if (typeof transactionId !== 'string' || transactionId.trim() === '') {
    throw new PaymentRequestError({ provider, code: 'invalid_transaction_id', message: 'transactionId is required' });
  }
}

/** Refuses a card number given as a payment method, without repeating it. */
export function checkPaymentMethod(provider: PaymentProviderName, paymentMethod: string): void {
  if (isCardNumberShaped(paymentMethod)) {
    throw new PaymentRequestError({
      provider,
      code: 'card_number_refused',
      message: 'paymentMethod is a card number; only payment provider tokens are accepted',
    });
  }
}

/**
 * A provider's message made safe to store or show: the payment token it was given and
 * every run of 12 or more digits (grouped or not; a card number, Luhn or not) become
 * `[redacted]`. Providers echo what they were sent, e.g. "No such PaymentMethod: 'pm_...'".
 */
export function redactPaymentSecrets(message: string, token?: string): string {
  const out = token && token.length >= 3 ? message.split(token).join('[redacted]') : message;
  return out.replace(/\d(?:[ -]?\d){11,}/g, '[redacted]');
}
