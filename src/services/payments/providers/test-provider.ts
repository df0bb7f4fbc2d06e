/**
 * The built-in `test` provider, for development and tests: no network, no state. Its behaviour
 * is chosen by the payment method token, so a Durable Object that restarts mid-saga sees the
 * same answers again:
 *
 * | token                                   | authorize                                                       |
 * |-----------------------------------------|-----------------------------------------------------------------|
 * | `pm_test_success`, `pm_card_visa`       | AUTHORIZED, visa 4242                                           |
 * | `pm_test_declined`, `pm_card_chargeDeclined` | PaymentDeclinedError `card_declined` (`generic_decline`), visa 0002 |
 * | `pm_test_transient_<N>` (N = 0..999)    | PaymentTransientError `provider_unavailable` while attempt <= N, then AUTHORIZED |
 * | `pm_test_timeout`                       | waits `timeoutMs` (default 2000), then PaymentTransientError `timeout` |
 * | `pm_test_capture_fails`                 | AUTHORIZED; its capture fails with PaymentRequestError `charge_expired_for_capture` |
 * | `pm_test_void_fails_<N>` (N = 0..999)   | as `pm_test_capture_fails`; its void fails with PaymentTransientError while attempt <= N |
 * | `pm_test_refund_fails`                  | AUTHORIZED and captured; every refund fails with PaymentTransientError `provider_unavailable` |
 * | anything else                           | PaymentRequestError `resource_missing`                          |
 *
 * Invariants: ids are derived from the idempotency key (`tp_` + 24 hex of its SHA-256, refunds
 * `tpr_`), so a repeated call answers the same id; capture, void and refund accept only ids
 * this provider issued. Being stateless, it cannot know the authorized amount: the payments
 * service enforces capture and refund limits. Webhooks use the `t=,v1=` HMAC scheme of
 * `./webhook-signature.ts` under the `Test-Signature` header and their own secret.
 */
import { sha256Hex } from '../../../lib/bytes.ts';
import { PaymentDeclinedError, PaymentRequestError, PaymentTransientError } from './errors.ts';
import { operationKey } from './idempotency.ts';
import { APPROVED_CARD, behaviourOf, DECLINED_CARD } from './test-tokens.ts';
import { TEST_SIGNATURE_HEADER } from './test-webhooks.ts';
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

const TEST_PROVIDER_DEFAULT_TIMEOUT_MS = 2000;

const TRANSACTION_ID = /^tp_(capfail_|voidfail\d{1,3}_|refundfail_)?[0-9a-f]{24}$/;

export interface TestProviderOptions {
  /** Secret of the `Test-Signature` webhooks; verifyWebhook throws a config error without it. */
  webhookSecret?: string;
  /** How long `pm_test_timeout` hangs before timing out, ms (default 2000). */
  timeoutMs?: number;
  webhookToleranceSeconds?: number;
  /** Unix seconds; injectable for webhook tests. */
  now?: () => number;
}

/** A 503 of the test provider (as a real 5xx: the outcome is unknown, so the same key is repeated). */
const unavailable = (operation: string, why: string) =>
  new PaymentTransientError({
    provider: 'test',
    code: 'provider_unavailable',
    status: 503,
    outcomeUnknown: true,
    message: `test provider unavailable for ${operation} (${why})`,
  });

const hex24 = async (text: string) => (await sha256Hex(text)).slice(0, 24);

export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test' as const;
  readonly #opts: TestProviderOptions;

  constructor(opts: TestProviderOptions = {}) {
    this.#opts = opts;
  }

  async authorize(input: AuthorizeInput): Promise<ProviderPayment> {
    checkCall('test', input);
    checkAmount('test', input.amountMinor);
    const currency = checkCurrency('test', input.currency);
    const behaviour = behaviourOf(input.paymentMethod);
    if (!behaviour) {
      throw new PaymentRequestError({
        provider: 'test',
        code: 'resource_missing',
        status: 404,
        message:
          `unknown test payment method '${input.paymentMethod}' (use pm_test_success, pm_test_declined, ` +
          'pm_test_transient_<N>, pm_test_timeout, pm_test_capture_fails, pm_test_void_fails_<N>, pm_test_refund_fails)',
      });
    }
    const digest = await hex24(input.idempotencyKey);
    const transactionId =
      behaviour.kind === 'capture_fails'
        ? `tp_capfail_${digest}`
        : behaviour.kind === 'void_fails'
          ? `tp_voidfail${behaviour.failures}_${digest}`
          : behaviour.kind === 'refund_fails'
            ? `tp_refundfail_${digest}`
            : `tp_${digest}`;

    if (behaviour.kind === 'declined') {
      throw new PaymentDeclinedError({
        provider: 'test',
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
        status: 402,
        transactionId,
        card: DECLINED_CARD,
      });
    }
    if (behaviour.kind === 'transient' && input.attempt <= behaviour.failures) {
      throw new PaymentTransientError({
        provider: 'test',
        code: 'provider_unavailable',
        status: 503,
        outcomeUnknown: true, // as a real 5xx; the test provider itself never did anything
        message: `test provider unavailable (attempt ${input.attempt} of ${behaviour.failures} failing ones)`,
      });
    }
    if (behaviour.kind === 'timeout') {
      const timeoutMs = this.#opts.timeoutMs ?? TEST_PROVIDER_DEFAULT_TIMEOUT_MS;
      await new Promise((resolve) => setTimeout(resolve, timeoutMs));
      const message = `test provider did not answer within ${timeoutMs} ms`;
      throw new PaymentTransientError({ provider: 'test', code: 'timeout', outcomeUnknown: true, message });
    }
    const { amountMinor, paymentMethod, attempt, metadata } = input;
    const card = APPROVED_CARD;
    const raw = {
      provider: 'test',
      operation: 'authorize',
      transactionId,
      amountMinor,
      currency,
      paymentMethod,
      attempt,
      metadata,
      card,
    };
    return { transactionId, status: 'AUTHORIZED', amountMinor, card, raw };
  }

  async capture(input: CaptureInput): Promise<ProviderPayment> {
    this.#checkIssued(input, input.transactionId);
    checkAmount('test', input.amountMinor);
    if (input.transactionId.startsWith('tp_capfail_') || input.transactionId.startsWith('tp_voidfail')) {
      throw new PaymentRequestError({
        provider: 'test',
        code: 'charge_expired_for_capture',
        status: 400,
        transactionId: input.transactionId,
        message: 'The authorization of this payment expired before it was captured (pm_test_capture_fails).',
      });
    }
    return this.#payment('capture', input.transactionId, 'CAPTURED', input.amountMinor);
  }

  async void(input: VoidInput): Promise<ProviderPayment> {
    this.#checkIssued(input, input.transactionId);
    const voidFails = /^tp_voidfail(\d{1,3})_/.exec(input.transactionId);
    if (voidFails && input.attempt <= Number(voidFails[1]))
      throw unavailable('void', `attempt ${input.attempt} of ${voidFails[1]} failing ones`);
    return this.#payment('void', input.transactionId, 'VOIDED', 0);
  }

  async refund(input: RefundInput): Promise<ProviderRefund> {
    this.#checkIssued(input, input.transactionId);
    if (input.transactionId.startsWith('tp_refundfail_')) throw unavailable('refund', 'pm_test_refund_fails');
    checkAmount('test', input.amountMinor);
    const refundId = `tpr_${await hex24(await operationKey(input.idempotencyKey, 'refund'))}`;
    const { transactionId, amountMinor } = input;
    const raw = {
      provider: 'test',
      operation: 'refund',
      refundId,
      transactionId,
      amountMinor,
      reason: input.reason ?? null,
    };
    return { refundId, amountMinor: input.amountMinor, status: 'SUCCEEDED', raw };
  }

  verifyWebhook(rawBody: string, headers: Headers): Promise<WebhookEvent> {
    return verifyWebhookEvent({
      provider: 'test',
      secret: this.#opts.webhookSecret,
      secretName: 'PAYMENTS_TEST_WEBHOOK_SECRET',
      headerName: TEST_SIGNATURE_HEADER,
      rawBody,
      headers,
      toleranceSeconds: this.#opts.webhookToleranceSeconds,
      now: this.#opts.now,
    });
  }

  #checkIssued(call: CaptureInput | VoidInput | RefundInput, transactionId: string): void {
    checkCall('test', call);
    checkTransactionId('test', transactionId);
    if (!TRANSACTION_ID.test(transactionId)) {
      const message = `no such test payment: '${transactionId}'`;
      throw new PaymentRequestError({
        provider: 'test',
        code: 'resource_missing',
        status: 404,
        transactionId,
        message,
      });
    }
  }

  #payment(
    operation: string,
    transactionId: string,
    status: ProviderPayment['status'],
    amountMinor: number,
  ): ProviderPayment {
    return {
      transactionId,
      status,
      amountMinor,
      card: APPROVED_CARD,
      raw: { provider: 'test', operation, transactionId, amountMinor },
    };
  }
}
