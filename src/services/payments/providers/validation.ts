/**
 * Checks both providers apply before any call, so a bad amount or key is a
 * `PaymentRequestError` here instead of a provider round trip (and is the same for both).
 * Amounts are positive safe integers of minor units; currencies are three letters.
 */
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
