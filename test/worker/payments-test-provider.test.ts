/**
 * The built-in test provider: every documented token, determinism across instances (a Durable
 * Object restart builds a new one), and its `Test-Signature` webhooks.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import {
  defaultPaymentProvider,
  PaymentDeclinedError,
  PaymentProviderConfigError,
  paymentProviderFor,
  PaymentRequestError,
  PaymentTransientError,
  PaymentWebhookSignatureError,
  signTestWebhook,
  TEST_SIGNATURE_HEADER,
  TEST_TOKENS,
  TestPaymentProvider,
  testWebhookBody,
  type AuthorizeInput,
} from '../../src/services/payments/providers/index.ts';

const provider = (opts: ConstructorParameters<typeof TestPaymentProvider>[0] = {}) =>
  new TestPaymentProvider({ timeoutMs: 50, ...opts });
const key = () => `order-${crypto.randomUUID()}:PROCESS_PAYMENT:1`;
const input = (paymentMethod: string, overrides: Partial<AuthorizeInput> = {}): AuthorizeInput => ({
  idempotencyKey: key(),
  attempt: 1,
  amountMinor: 4999,
  currency: 'USD',
  paymentMethod,
  metadata: { orderId: 'o-1', tenantId: 't-1' },
  ...overrides,
});
const rejection = (promise: Promise<unknown>) => promise.catch((e: unknown) => e);

describe('test provider tokens', () => {
  it('pm_test_success and pm_card_visa authorize as visa 4242', async () => {
    for (const token of [TEST_TOKENS.success, 'pm_card_visa']) {
      const payment = await provider().authorize(input(token));
      expect(payment).toMatchObject({
        status: 'AUTHORIZED',
        amountMinor: 4999,
        card: { brand: 'visa', last4: '4242' },
      });
      expect(payment.transactionId).toMatch(/^tp_[0-9a-f]{24}$/);
      expect(payment.raw).toMatchObject({
        provider: 'test',
        operation: 'authorize',
        currency: 'USD',
        paymentMethod: token,
      });
    }
  });

  it('pm_test_declined (and pm_card_chargeDeclined) is a PaymentDeclinedError card_declined, visa 0002', async () => {
    for (const token of [TEST_TOKENS.declined, 'pm_card_chargeDeclined']) {
      const err = await rejection(provider().authorize(input(token)));
      expect(err).toBeInstanceOf(PaymentDeclinedError);
      expect(err).toMatchObject({
        code: 'card_declined',
        declineCode: 'generic_decline',
        card: { brand: 'visa', last4: '0002' },
        retryable: false,
        provider: 'test',
      });
      expect((err as PaymentDeclinedError).transactionId).toMatch(/^tp_[0-9a-f]{24}$/);
    }
  });

  it('pm_test_transient_<N> fails transiently while attempt <= N, then succeeds', async () => {
    const p = provider();
    const token = TEST_TOKENS.transient(2);
    expect(token).toBe('pm_test_transient_2');
    for (const attempt of [1, 2]) {
      const err = await rejection(
        p.authorize(input(token, { attempt, idempotencyKey: `o-9:PROCESS_PAYMENT:${attempt}` })),
      );
      expect(err).toBeInstanceOf(PaymentTransientError);
      expect(err).toMatchObject({ code: 'provider_unavailable', status: 503, retryable: true });
    }
    const third = await p.authorize(input(token, { attempt: 3, idempotencyKey: 'o-9:PROCESS_PAYMENT:3' }));
    expect(third.status).toBe('AUTHORIZED');
    expect((await p.authorize(input('pm_test_transient_0'))).status).toBe('AUTHORIZED');
  });

  it('pm_test_timeout waits its configured timeout, then is a PaymentTransientError timeout', async () => {
    const started = Date.now();
    const err = await rejection(provider({ timeoutMs: 80 }).authorize(input(TEST_TOKENS.timeout)));
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(PaymentTransientError);
    expect(err).toMatchObject({ code: 'timeout', retryable: true });
    expect(waited).toBeGreaterThanOrEqual(75);
    expect(waited).toBeLessThan(2000);
  });

  it('pm_test_capture_fails authorizes, and its capture is a permanent failure', async () => {
    const p = provider();
    const payment = await p.authorize(input(TEST_TOKENS.captureFails));
    expect(payment.status).toBe('AUTHORIZED');
    const err = await rejection(
      p.capture({ idempotencyKey: key(), attempt: 1, transactionId: payment.transactionId, amountMinor: 4999 }),
    );
    expect(err).toBeInstanceOf(PaymentRequestError);
    expect(err).toMatchObject({ code: 'charge_expired_for_capture', transactionId: payment.transactionId });
    await expect(
      p.void({ idempotencyKey: key(), attempt: 1, transactionId: payment.transactionId }),
    ).resolves.toMatchObject({ status: 'VOIDED' });
  });

  it('an unknown token and invalid input are PaymentRequestErrors', async () => {
    const p = provider();
    expect(await rejection(p.authorize(input('pm_card_mastercard')))).toMatchObject({
      constructor: PaymentRequestError,
      code: 'resource_missing',
    });
    expect(await rejection(p.authorize(input('4242424242424242')))).toBeInstanceOf(PaymentRequestError);
    expect(await rejection(p.authorize(input('pm_test_transient_1000')))).toMatchObject({ code: 'resource_missing' });
    expect(await rejection(p.authorize(input(TEST_TOKENS.success, { amountMinor: 0 })))).toMatchObject({
      code: 'invalid_amount',
    });
    expect(await rejection(p.authorize(input(TEST_TOKENS.success, { amountMinor: 19.99 })))).toMatchObject({
      code: 'invalid_amount',
    });
    expect(await rejection(p.authorize(input(TEST_TOKENS.success, { currency: 'EURO' })))).toMatchObject({
      code: 'invalid_currency',
    });
    expect(await rejection(p.authorize(input(TEST_TOKENS.success, { attempt: 0 })))).toMatchObject({
      code: 'invalid_attempt',
    });
  });
});

describe('test provider capture, void, refund', () => {
  it('capture, void and refund answer for ids the provider issued', async () => {
    const p = provider();
    const { transactionId } = await p.authorize(input(TEST_TOKENS.success));
    const captured = await p.capture({ idempotencyKey: key(), attempt: 1, transactionId, amountMinor: 3000 });
    expect(captured).toMatchObject({
      transactionId,
      status: 'CAPTURED',
      amountMinor: 3000,
      card: { brand: 'visa', last4: '4242' },
    });
    const voided = await p.void({ idempotencyKey: key(), attempt: 1, transactionId });
    expect(voided).toMatchObject({ transactionId, status: 'VOIDED' });
    const refundKey = key();
    const refund = await p.refund({
      idempotencyKey: refundKey,
      attempt: 1,
      transactionId,
      amountMinor: 1000,
      reason: 'damaged',
    });
    expect(refund).toMatchObject({ status: 'SUCCEEDED', amountMinor: 1000, raw: { reason: 'damaged', transactionId } });
    expect(refund.refundId).toMatch(/^tpr_[0-9a-f]{24}$/);
    // the same key gives the same refund id; another key another one
    expect((await p.refund({ idempotencyKey: refundKey, attempt: 1, transactionId, amountMinor: 1000 })).refundId).toBe(
      refund.refundId,
    );
    expect((await p.refund({ idempotencyKey: key(), attempt: 1, transactionId, amountMinor: 1000 })).refundId).not.toBe(
      refund.refundId,
    );
  });

  it('ids it did not issue are resource_missing', async () => {
    const p = provider();
    for (const transactionId of ['pi_123', 'tp_short', 'tp_ZZZZZZZZZZZZZZZZZZZZZZZZ']) {
      const err = await rejection(p.capture({ idempotencyKey: key(), attempt: 1, transactionId, amountMinor: 100 }));
      expect(err).toBeInstanceOf(PaymentRequestError);
      expect(err).toMatchObject({ code: 'resource_missing', status: 404 });
    }
    expect(
      await rejection(
        p.refund({ idempotencyKey: key(), attempt: 1, transactionId: 'tp_0123456789abcdef01234567', amountMinor: -1 }),
      ),
    ).toMatchObject({ code: 'invalid_amount' });
  });
});

describe('test provider determinism', () => {
  it('the same idempotency key gives the same transaction id from a fresh instance; another key another id', async () => {
    const k = key();
    const first = await provider().authorize(input(TEST_TOKENS.success, { idempotencyKey: k }));
    const again = await provider().authorize(input(TEST_TOKENS.success, { idempotencyKey: k }));
    expect(again.transactionId).toBe(first.transactionId);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(k)));
    const hex = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(first.transactionId).toBe(`tp_${hex.slice(0, 24)}`);
    expect((await provider().authorize(input(TEST_TOKENS.success))).transactionId).not.toBe(first.transactionId);
    const declined = await rejection(provider().authorize(input(TEST_TOKENS.declined, { idempotencyKey: k })));
    expect((declined as PaymentDeclinedError).transactionId).toBe(first.transactionId);
  });
});

describe('test provider webhooks', () => {
  const secret = 'whsec_test_unit';
  const NOW = 1_800_000_000;
  const p = (opts: ConstructorParameters<typeof TestPaymentProvider>[0] = {}) =>
    provider({ webhookSecret: secret, now: () => NOW, ...opts });

  it('signTestWebhook round-trips through verifyWebhook', async () => {
    const body = testWebhookBody({
      id: 'evt_t1',
      type: 'payment_intent.succeeded',
      transactionId: 'tp_0123456789abcdef01234567',
      created: NOW - 1,
    });
    const header = await signTestWebhook(secret, body, NOW - 1);
    expect(header).toMatch(/^t=1799999999,v1=[0-9a-f]{64}$/);
    const event = await p().verifyWebhook(body, new Headers({ [TEST_SIGNATURE_HEADER]: header }));
    expect(event).toEqual({
      id: 'evt_t1',
      type: 'payment_intent.succeeded',
      transactionId: 'tp_0123456789abcdef01234567',
      createdAt: NOW - 1,
      data: { object: { object: 'payment_intent', id: 'tp_0123456789abcdef01234567' } },
    });
  });

  it('rejects a tampered body, another secret, a stale timestamp, the Stripe header, no header', async () => {
    const body = testWebhookBody({
      id: 'evt_t2',
      type: 'charge.refunded',
      transactionId: 'tp_0123456789abcdef01234567',
      created: NOW,
    });
    const header = await signTestWebhook(secret, body, NOW);
    const check = (b: string, h: Headers) => rejection(p().verifyWebhook(b, h));
    const tampered = await check(
      body.replace('charge.refunded', 'payment_intent.succeeded'),
      new Headers({ [TEST_SIGNATURE_HEADER]: header }),
    );
    expect(tampered).toBeInstanceOf(PaymentWebhookSignatureError);
    expect(tampered).toMatchObject({ reason: 'no_matching_signature', provider: 'test' });
    expect(
      await check(body, new Headers({ [TEST_SIGNATURE_HEADER]: await signTestWebhook('whsec_other', body, NOW) })),
    ).toMatchObject({ reason: 'no_matching_signature' });
    expect(
      await check(body, new Headers({ [TEST_SIGNATURE_HEADER]: await signTestWebhook(secret, body, NOW - 301) })),
    ).toMatchObject({ reason: 'timestamp_out_of_tolerance' });
    expect(await check(body, new Headers({ 'Stripe-Signature': header }))).toMatchObject({ reason: 'missing_header' });
    expect(await check(body, new Headers())).toMatchObject({ reason: 'missing_header' });
    await expect(
      provider().verifyWebhook(body, new Headers({ [TEST_SIGNATURE_HEADER]: header })),
    ).rejects.toBeInstanceOf(PaymentProviderConfigError);
  });

  it('the test stack generates PAYMENTS_TEST_WEBHOOK_SECRET and the default provider verifies with it', async () => {
    expect(env.PAYMENTS_TEST_WEBHOOK_SECRET).toMatch(/^whsec_test_.{20,}/);
    const body = testWebhookBody({
      id: 'evt_t3',
      type: 'payment_intent.payment_failed',
      transactionId: 'tp_0123456789abcdef01234567',
    });
    const header = await signTestWebhook(env.PAYMENTS_TEST_WEBHOOK_SECRET!, body);
    const provider = defaultPaymentProvider(env);
    expect(provider.name).toBe('test');
    await expect(provider.verifyWebhook(body, new Headers({ [TEST_SIGNATURE_HEADER]: header }))).resolves.toMatchObject(
      { id: 'evt_t3', type: 'payment_intent.payment_failed' },
    );
  });

  it('paymentProviderFor(env, "test") uses PAYMENTS_TEST_TIMEOUT_MS (50 ms in the test stack)', async () => {
    expect(env.PAYMENTS_TEST_TIMEOUT_MS).toBe('50');
    const started = Date.now();
    await expect(paymentProviderFor(env, 'test').authorize(input(TEST_TOKENS.timeout))).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
