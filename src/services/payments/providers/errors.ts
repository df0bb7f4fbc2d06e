/**
 * Typed failures of payment providers. Every operation of a `PaymentProvider` fails with
 * one of these and nothing else, so the saga can decide by class alone:
 *
 * | class                          | retry? | when                                                        |
 * |--------------------------------|--------|-------------------------------------------------------------|
 * | `PaymentTransientError`        | yes    | provider 5xx, 429, 409 (in-flight idempotent request), network error, timeout |
 * | `PaymentDeclinedError`         | no     | the card or its issuer said no (`card_declined`, `authentication_required`, ...) |
 * | `PaymentRequestError`          | no     | any other 4xx: invalid amount, unknown transaction, bad API key, unexpected state |
 * | `PaymentWebhookSignatureError` | no     | a webhook whose signature, timestamp or payload does not verify |
 * | `PaymentProviderConfigError`   | no     | unknown provider name or missing configuration (a deployment bug) |
 *
 * `code` is the provider's error code when it sent one (Stripe's `error.code`), else our own
 * (`timeout`, `network_error`, `rate_limited`, `provider_unavailable`, `invalid_amount`, ...).
 * `transactionId` is set when the provider created a transaction before failing (a declined
 * PaymentIntent), so the caller can record it.
 */
import type { CardSummary, PaymentProviderName } from './types.ts';

export interface PaymentErrorInit {
  provider: PaymentProviderName;
  code: string;
  message: string;
  /** HTTP status of the provider's answer; 0 when none arrived. */
  status?: number;
  /** Provider request id (Stripe's `Request-Id` header), for support tickets. */
  requestId?: string | null;
  transactionId?: string | null;
  cause?: unknown;
}

export abstract class PaymentProviderError extends Error {
  abstract readonly retryable: boolean;
  readonly provider: PaymentProviderName;
  readonly code: string;
  readonly status: number;
  readonly requestId: string | null;
  readonly transactionId: string | null;

  constructor(init: PaymentErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.provider = init.provider;
    this.code = init.code;
    this.status = init.status ?? 0;
    this.requestId = init.requestId ?? null;
    this.transactionId = init.transactionId ?? null;
  }
}

/** Permanent: the payment method was refused. */
export class PaymentDeclinedError extends PaymentProviderError {
  readonly retryable = false;
  /** Issuer's reason when given (Stripe `decline_code`, e.g. `insufficient_funds`). */
  readonly declineCode: string | null;
  readonly card: CardSummary | null;

  constructor(init: PaymentErrorInit & { declineCode?: string | null; card?: CardSummary | null }) {
    super(init);
    this.declineCode = init.declineCode ?? null;
    this.card = init.card ?? null;
  }
}

/** Retryable: the provider could not answer now (5xx, 429, network, timeout). */
export class PaymentTransientError extends PaymentProviderError {
  readonly retryable = true;
  /** The provider's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | null;
  /**
   * True when the operation may have happened at the provider anyway (timeout, network error,
   * 5xx): repeating it with the SAME idempotency key returns its real outcome, while a new key
   * may do it a second time (e.g. a second authorization hold). False when the provider surely
   * did nothing (429, 409 in flight).
   */
  readonly outcomeUnknown: boolean;

  constructor(init: PaymentErrorInit & { retryAfterMs?: number | null; outcomeUnknown?: boolean }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }
}

/** Permanent: the provider rejected the request itself (4xx other than a decline). */
export class PaymentRequestError extends PaymentProviderError {
  readonly retryable = false;
}

export type WebhookRejection =
  'missing_header' | 'malformed_header' | 'timestamp_out_of_tolerance' | 'no_matching_signature' | 'malformed_payload';

/** A webhook that must not be trusted; the route answers 400. */
export class PaymentWebhookSignatureError extends Error {
  readonly retryable = false;
  readonly provider: PaymentProviderName;
  readonly reason: WebhookRejection;

  constructor(provider: PaymentProviderName, reason: WebhookRejection, message: string) {
    super(message);
    this.name = 'PaymentWebhookSignatureError';
    this.provider = provider;
    this.reason = reason;
  }
}

/** Unknown provider name or missing secret: a configuration bug, never retried. */
export class PaymentProviderConfigError extends Error {
  readonly retryable = false;
  readonly reason: 'unknown_provider' | 'missing_config' | 'not_allowed';

  constructor(reason: PaymentProviderConfigError['reason'], message: string) {
    super(message);
    this.name = 'PaymentProviderConfigError';
    this.reason = reason;
  }
}
