/**
 * Stripe adapter: PaymentIntents with manual capture, and Refunds, over Stripe's REST API
 * (`./stripe-http.ts`), plus `Stripe-Signature` webhook verification.
 *
 *   authorize -> POST /v1/payment_intents                 (confirm=true, capture_method=manual)
 *   capture   -> POST /v1/payment_intents/{id}/capture    (amount_to_capture)
 *   void      -> POST /v1/payment_intents/{id}/cancel
 *   refund    -> POST /v1/refunds                         (payment_intent, amount)
 *
 * Invariants:
 * - authorize succeeds only when the PaymentIntent is `requires_capture` (`./stripe-answers.ts`);
 *   `error_on_requires_action` makes Stripe answer a card that needs 3-D Secure with a card_error.
 * - capture and cancel answer 2xx only when they happened (Stripe returns an error for a
 *   PaymentIntent in any other state), so their success is taken from the HTTP answer; the
 *   amount is Stripe's `amount_received` once `succeeded`.
 * - each operation sends its own idempotency key (`./idempotency.ts`).
 */
import { PaymentProviderConfigError } from './errors.ts';
import type { FormValue } from './form-encoding.ts';
import { operationKey } from './idempotency.ts';
import { authorizationOf, int, NO_CARD, refundStatusOf } from './stripe-answers.ts';
import {
  cardOf,
  idOf,
  STRIPE_API_BASE,
  STRIPE_API_VERSION,
  STRIPE_DEFAULT_TIMEOUT_MS,
  stripePost,
  type StripeHttpOptions,
} from './stripe-http.ts';
import type {
  AuthorizeInput,
  CaptureInput,
  PaymentProvider,
  ProviderPayment,
  ProviderRefund,
  RefundInput,
  VoidInput,
  WebhookEvent,
} from './types.ts';
import { checkAmount, checkCall, checkCurrency, checkTransactionId } from './validation.ts';
import { verifyWebhookEvent } from './webhook-event.ts';

const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';
/** Refund reasons Stripe accepts as `reason`; any other text travels as `metadata[reason]`. */
const STRIPE_REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

export interface StripeProviderOptions {
  secretKey: string;
  /** Default https://api.stripe.com (stripe-mock in tests). */
  apiBase?: string;
  apiVersion?: string;
  /** Per-call timeout, ms (default 10 000). */
  timeoutMs?: number;
  /** Endpoint secret (`whsec_...`) of the webhook; verifyWebhook throws a config error without it. */
  webhookSecret?: string;
  webhookToleranceSeconds?: number;
  /** Unix seconds; injectable for webhook tests. */
  now?: () => number;
  /** Injectable for tests (e.g. a recording wrapper around the real fetch). */
  fetch?: typeof fetch;
}

type Json = Record<string, unknown>;

export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly #http: StripeHttpOptions;
  readonly #opts: StripeProviderOptions;

  constructor(opts: StripeProviderOptions) {
    if (!opts.secretKey)
      throw new PaymentProviderConfigError('missing_config', 'the stripe provider needs STRIPE_SECRET_KEY');
    this.#opts = opts;
    this.#http = {
      secretKey: opts.secretKey,
      apiBase: opts.apiBase || STRIPE_API_BASE,
      apiVersion: opts.apiVersion || STRIPE_API_VERSION,
      timeoutMs: opts.timeoutMs ?? STRIPE_DEFAULT_TIMEOUT_MS,
      // bound: workerd's fetch throws "Illegal invocation" when called as a method of another object
      fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
    };
  }

  async authorize(input: AuthorizeInput): Promise<ProviderPayment> {
    checkCall('stripe', input);
    checkAmount('stripe', input.amountMinor);
    const currency = checkCurrency('stripe', input.currency).toLowerCase();
    const { body: pi, requestId } = await this.#post(
      '/v1/payment_intents',
      await operationKey(input.idempotencyKey, 'authorize'),
      {
        amount: input.amountMinor,
        currency,
        payment_method: input.paymentMethod,
        confirm: true,
        capture_method: 'manual',
        // Server-side confirmation: no redirect-based methods, and 3-D Secure fails at once.
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        error_on_requires_action: true,
        description: input.description,
        metadata: input.metadata,
        expand: ['latest_charge'],
      },
    );
    return authorizationOf(pi, requestId, input.amountMinor);
  }

  async capture(input: CaptureInput): Promise<ProviderPayment> {
    checkCall('stripe', input);
    checkTransactionId('stripe', input.transactionId);
    checkAmount('stripe', input.amountMinor);
    const { body: pi } = await this.#post(
      `/v1/payment_intents/${encodeURIComponent(input.transactionId)}/capture`,
      await operationKey(input.idempotencyKey, 'capture'),
      { amount_to_capture: input.amountMinor, expand: ['latest_charge'] },
    );
    const received = pi.status === 'succeeded' ? int(pi.amount_received) : null;
    return this.#payment(pi, input.transactionId, 'CAPTURED', received ?? input.amountMinor);
  }

  async void(input: VoidInput): Promise<ProviderPayment> {
    checkCall('stripe', input);
    checkTransactionId('stripe', input.transactionId);
    const { body: pi } = await this.#post(
      `/v1/payment_intents/${encodeURIComponent(input.transactionId)}/cancel`,
      await operationKey(input.idempotencyKey, 'void'),
      { expand: ['latest_charge'] },
    );
    return this.#payment(pi, input.transactionId, 'VOIDED', int(pi.amount) ?? 0);
  }

  async refund(input: RefundInput): Promise<ProviderRefund> {
    checkCall('stripe', input);
    checkTransactionId('stripe', input.transactionId);
    checkAmount('stripe', input.amountMinor);
    const known = input.reason !== undefined && STRIPE_REFUND_REASONS.has(input.reason);
    const { body: refund, requestId } = await this.#post(
      '/v1/refunds',
      await operationKey(input.idempotencyKey, 'refund'),
      {
        payment_intent: input.transactionId,
        amount: input.amountMinor,
        reason: known ? input.reason : undefined,
        metadata: input.reason && !known ? { reason: input.reason.slice(0, 500) } : undefined,
      },
    );
    return {
      refundId: idOf(refund, requestId),
      amountMinor: int(refund.amount) ?? input.amountMinor,
      status: refundStatusOf(refund.status),
      raw: refund,
    };
  }

  verifyWebhook(rawBody: string, headers: Headers): Promise<WebhookEvent> {
    return verifyWebhookEvent({
      provider: 'stripe',
      secret: this.#opts.webhookSecret,
      secretName: 'STRIPE_WEBHOOK_SECRET',
      headerName: STRIPE_SIGNATURE_HEADER,
      rawBody,
      headers,
      toleranceSeconds: this.#opts.webhookToleranceSeconds,
      now: this.#opts.now,
    });
  }

  #post(path: string, idempotencyKey: string, fields: Record<string, FormValue>) {
    return stripePost(this.#http, path, fields, idempotencyKey);
  }

  /** The caller's id is kept: it is the one the payments service stored. */
  #payment(pi: Json, transactionId: string, status: ProviderPayment['status'], amountMinor: number): ProviderPayment {
    return { transactionId, status, amountMinor, card: cardOf(pi.latest_charge) ?? NO_CARD, raw: pi };
  }
}
